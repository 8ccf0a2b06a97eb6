package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	notify "suapcds/functions/notify"
	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/mail"
	"suapcds/shared/signedlink"
	"suapcds/shared/store"
	"suapcds/shared/store/dynamo"
	"suapcds/shared/store/dynamo/dynamotest"
)

// notifyFigure is a 100-record batch handed to notify, next to the same
// number of plain SendEmail calls to the emulator at the same concurrency.
type notifyFigure struct {
	records, concurrency int
	batch, plainSES      time.Duration
}

// notifyBatch runs the notify test's path (functions/notify/handler):
// outbox items written through the store to DynamoDB Local, read back from
// its stream, handed to the handler, which mails through the SES emulator.
func notifyBatch(ctx context.Context, ddbEndpoint, sesEndpoint string, records int) (notifyFigure, error) {
	fig := notifyFigure{records: records, concurrency: notify.DefaultConcurrency}
	client := dynamo.NewClient(dynamotest.Config(), ddbEndpoint)
	table := fmt.Sprintf("suapcds-bench-notify-%d", time.Now().UnixNano())
	if err := dynamo.CreateTable(ctx, client, table); err != nil {
		return fig, err
	}
	defer dropTable(client, table)
	st, err := store.New(dynamo.New(client, table), store.Options{CursorKey: []byte("bench-cursor-key-0123456789")})
	if err != nil {
		return fig, err
	}
	stream, err := dynamotest.OpenStream(ctx, client, ddbEndpoint, table)
	if err != nil {
		return fig, err
	}
	clk := clock.System{}
	n := time.Now().UnixNano()
	mailbox := fmt.Sprintf("videoconferenze+bench%d@regione.example.it", n)
	if err := st.PutOffice(ctx, domain.Office{ID: "suap-africo", Name: "Suap Comune Africo",
		Email: fmt.Sprintf("suap+bench%d@comune.africo.rc.it", n)}); err != nil {
		return fig, err
	}
	svc, err := app.New(app.Deps{Store: st, Clock: clk, Logger: slog.New(slog.DiscardHandler), LeadDays: 2})
	if err != nil {
		return fig, err
	}
	op := domain.Principal{UserID: "u-rossi", Name: "Maria Rossi", Role: domain.RoleSuapOperator, OfficeID: "suap-africo", Unit: "Suap Comune Africo"}
	if _, _, err := svc.RegisterPratica(ctx, op, "bench-notify", app.PraticaInput{Number: "2027/001", OfficeID: "suap-africo",
		ProcedureType: domain.ProcOrdinario, Bodies: []domain.BodyOffice{
			{BodyID: "comune", OfficeID: "tecnico", Name: "Comune di Africo - Ufficio tecnico"},
			{BodyID: "vvf", OfficeID: "rc", Name: "Vigili del Fuoco - Comando di Reggio Calabria"},
		}}); err != nil {
		return fig, err
	}
	d := time.Now().In(clock.Rome).AddDate(0, 0, 30)
	start := time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, clock.Rome)
	for start.Weekday() == time.Saturday || start.Weekday() == time.Sunday {
		start = start.AddDate(0, 0, 1)
	}
	r, err := svc.CreateRequest(ctx, op, "bench-notify", domain.NewRequestInput{Start: start, DurationMinutes: 90,
		Subject: "Conferenza di servizi sincrona - benchmark"})
	if err != nil {
		return fig, err
	}
	if _, err := stream.Next(ctx, 1, 15*time.Second); err != nil { // the creation's own records
		return fig, err
	}
	var evs []domain.OutboxEvent
	for i := range records {
		evs = append(evs, domain.OutboxEvent{Kind: domain.EventRequestCreated, SubjectID: r.ID, PraticaID: r.PraticaID,
			Seq: int64(i + 2), At: clk.Now()})
	}
	for i := 0; i < len(evs); i += 25 {
		if err := st.Enqueue(ctx, nil, evs[i:min(i+25, len(evs))]...); err != nil {
			return fig, err
		}
	}
	recs, err := stream.Next(ctx, records, 60*time.Second)
	if err != nil {
		return fig, err
	}
	var batch []events.DynamoDBEventRecord
	for _, rec := range recs { // the template's event filter: outbox inserts only
		if rec.EventName == "INSERT" && rec.Change.NewImage[store.AttrType].String() == store.TypeOutbox {
			batch = append(batch, rec)
		}
	}
	if len(batch) != records {
		return fig, fmt.Errorf("%d outbox inserts on the stream, want %d", len(batch), records)
	}
	links, err := signedlink.New([]byte(sampleLinkKey), 0)
	if err != nil {
		return fig, err
	}
	sesClient := mail.NewSESClient(dynamotest.Config(), sesEndpoint)
	h, err := notify.New(notify.Deps{Store: st, Sender: mail.NewSES(sesClient), Clock: clk, Links: links,
		Logger: slog.New(slog.DiscardHandler), ServiceMailbox: mailbox, MailFrom: "noreply@suapcds.example.it",
		PublicBaseURL: "https://videoconferenze.example.it", Concurrency: fig.concurrency})
	if err != nil {
		return fig, err
	}
	t0 := time.Now()
	resp, err := h.Handle(ctx, events.DynamoDBEvent{Records: batch})
	fig.batch = time.Since(t0)
	if err != nil {
		return fig, err
	}
	if len(resp.BatchItemFailures) != 0 {
		return fig, fmt.Errorf("%d records failed", len(resp.BatchItemFailures))
	}

	// The baseline: as many plain mails straight to the emulator, through
	// the SDK's SES v2 client.
	baseline := sesv2.NewFromConfig(dynamotest.Config(), func(o *sesv2.Options) { o.BaseEndpoint = aws.String(sesEndpoint) })
	t0 = time.Now()
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sendErr error
	for range fig.concurrency {
		wg.Go(func() {
			for i := range next {
				_, err := baseline.SendEmail(ctx, &sesv2.SendEmailInput{
					FromEmailAddress: aws.String("noreply@suapcds.example.it"),
					Destination:      &sestypes.Destination{ToAddresses: []string{mailbox}},
					Content: &sestypes.EmailContent{Simple: &sestypes.Message{
						Subject: &sestypes.Content{Data: aws.String(fmt.Sprintf("Prova %d", i))},
						Body:    &sestypes.Body{Text: &sestypes.Content{Data: aws.String("Messaggio di prova.")}},
					}},
				})
				if err != nil {
					mu.Lock()
					sendErr = err
					mu.Unlock()
				}
			}
		})
	}
	for i := range records {
		next <- i
	}
	close(next)
	wg.Wait()
	fig.plainSES = time.Since(t0)
	return fig, sendErr
}
