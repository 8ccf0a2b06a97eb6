package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	bookings "suapcds/functions/bookings"
	console "suapcds/functions/console"
	leadtime "suapcds/functions/leadtime"
	manager "suapcds/functions/manager"
	notify "suapcds/functions/notify"
	"suapcds/functions/pratiche"
	recordings "suapcds/functions/recordings"
	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/mail"
	"suapcds/shared/signedlink"
	"suapcds/shared/store"
)

// env is what the functions' handlers are built from: what each function's
// main builds from its environment on Lambda, built once here and shared.
type env struct {
	Store    *store.Repo
	Service  *app.Service
	Clock    clock.Clock
	Logger   *slog.Logger // already tagged with the function's logical id
	Links    *signedlink.Signer
	LeadDays int
	// Mail is where notify sends: the .eml folder (MailDir) by default, an
	// SES v2 endpoint when configured.
	Mail    mail.Sender
	MailDir string
	// ServiceMailbox and MailFrom are notify's SERVICE_MAILBOX and MAIL_FROM.
	ServiceMailbox, MailFrom string
	BaseURL                  string // the runner's URL: the manager's pages in mails
	// Recordings are the recording use cases on the in-process S3 (s3.go),
	// whose bucket is Bucket.
	Recordings *app.Recordings
	Bucket     string
	// Files is that bucket through the S3 client (*recording.Files).
	Files app.RecordingFiles
	// Attachments reads that bucket for notify, which attaches the
	// convocations from it by signed GETs (s3get), as on Lambda.
	Attachments notify.Files
	// ClaimLease and SweepGrace are notify's claim lease and the sweep's
	// grace (0: the handler's defaults); the crash test shortens both.
	ClaimLease, SweepGrace time.Duration
}

// notify builds the notify handler; the stream and the sweep each get one,
// as two invocations of the function on Lambda would.
func (e env) notify() *notify.Handler {
	return notify.New(notify.Deps{Store: e.Store, Sender: e.Mail, Clock: e.Clock, Links: e.Links, Logger: e.Logger,
		ServiceMailbox: e.ServiceMailbox, MailFrom: e.MailFrom, PublicBaseURL: e.BaseURL, Files: e.Attachments,
		ClaimLease: e.ClaimLease, SweepGrace: e.SweepGrace})
}

// streamHandler is a DynamoDB stream function's Lambda entry point.
type streamHandler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// scheduleHandler is a scheduled function's Lambda entry point.
type scheduleHandler func(context.Context, events.EventBridgeEvent) error

// wiring builds one template function's handler in-process: the same
// handler its main hands to lambda.Start. A function has the kinds its
// template events need.
type wiring struct {
	HTTP     func(e env) http.Handler
	Stream   func(e env) (streamHandler, error)
	Schedule func(e env) (scheduleHandler, error)
	S3       func(e env) (s3Handler, error)
}

// registry maps template.yaml's function logical ids to their handlers. A
// function of the template missing here is logged as "not wired locally";
// its routes answer 501 function_not_wired.
//
// When a function lands, add it here (and wire the same constructor its
// main.go calls).
var registry = map[string]wiring{
	"PraticheFunction": {HTTP: func(e env) http.Handler { return pratiche.New(e.Service, e.Logger) }},
	"BookingsFunction": {HTTP: func(e env) http.Handler { return bookings.New(e.Service, e.Clock, e.Logger) }},
	"ManagerFunction": {HTTP: func(e env) http.Handler {
		return manager.New(e.Service, e.Clock, e.Links, e.Logger, manager.WithRecordings(e.Recordings))
	}},
	"LeadtimeFunction": {Schedule: func(e env) (scheduleHandler, error) {
		h := leadtime.New(e.Store, e.Clock, e.Logger, leadtime.Options{LeadDays: e.LeadDays})
		return func(ctx context.Context, ev events.EventBridgeEvent) error {
			_, err := h.Handle(ctx, ev)
			return err
		}, nil
	}},
	"NotifyFunction": {
		Stream: func(e env) (streamHandler, error) { return e.notify().Handle, nil },
		Schedule: func(e env) (scheduleHandler, error) {
			h := e.notify()
			return func(ctx context.Context, _ events.EventBridgeEvent) error {
				_, err := h.Sweep(ctx)
				return err
			}, nil
		},
	},
	// The console: no identity provider locally; the page sends people to
	// the demo sign-in links of /_local/.
	"ConsoleFunction": {HTTP: func(e env) http.Handler {
		h, err := console.New(console.Config{LocalSignIn: "/_local/"}, e.Logger)
		if err != nil {
			panic(err) // the embedded files and a fixed configuration: a bug
		}
		return h
	}},
	"RecordingsFunction": {
		HTTP: func(e env) http.Handler { return recordings.New(e.Recordings, e.Logger) },
		S3: func(e env) (s3Handler, error) {
			return recordings.NewObjects(e.Recordings, e.Bucket, e.Logger).Handle, nil
		},
	},
}
