// Package recordings is the recordings function (docs/rules.md §6): behind the JWT
// authorizer, the regional service gets a pre-signed POST to upload a
// meeting's recording straight to S3, and the pratica's office, its basin
// and the service get a short-lived pre-signed GET to download it (each
// download goes to the history); the bucket's ObjectCreated events close
// the request (IN_ELABORAZIONE → EVASA) once the object is checked, and
// remove any object that must not close one.
package recordings

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"suapcds/shared/api"
	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi"
)

// Routes lists the JSON API's routes (JWT); template.yaml routes them here.
var Routes = httpapi.Patterns(handler{}.routes())

// routes pairs each route with its handler: the one list the mux and Routes
// come from.
func (h handler) routes() []httpapi.Route {
	return []httpapi.Route{
		{Pattern: "POST /booking-requests/{requestId}/recording-upload", Handle: h.upload},
		{Pattern: "GET /booking-requests/{requestId}/recording", Handle: h.download},
	}
}

type handler struct {
	rec *app.Recordings
}

// Deps are the function's dependencies: its main, the local run, the
// tests and the bench fill them alike. App.Files is the recordings'
// bucket (required), named Bucket in its S3 events.
type Deps struct {
	App    app.Deps
	Bucket string
}

// Function is the function's two entry points: the HTTP API's handler and
// the bucket's S3 events (Lambda dispatches between them).
type Function struct {
	HTTP    http.Handler
	Objects *Objects
}

// New returns the function's handlers.
func New(d Deps) (*Function, error) {
	if d.App.Files == nil || d.Bucket == "" {
		return nil, errors.New("recordings: Deps needs App.Files and its Bucket")
	}
	svc, err := app.New(d.App)
	if err != nil {
		return nil, fmt.Errorf("recordings: %w", err)
	}
	rec := svc.Recordings()
	m := httpapi.NewMux(d.App.Logger)
	m.HandleAll(handler{rec: rec}.routes())
	return &Function{HTTP: m, Objects: &Objects{rec: rec, bucket: d.Bucket, logger: d.App.Logger}}, nil
}

func (h handler) upload(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.RecordingUploadBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	f, err := h.rec.Upload(r.Context(), who, r.PathValue("requestId"), b.ContentType, "")
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, api.NewRecordingUploadView(f))
	return nil
}

func (h handler) download(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	u, expires, err := h.rec.Download(r.Context(), who, r.PathValue("requestId"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpapi.WriteJSON(w, http.StatusOK, api.NewRecordingDownloadView(u, expires))
	return nil
}

// Objects handles the bucket's S3 events.
type Objects struct {
	rec    *app.Recordings
	bucket string
	logger *slog.Logger
}

// Handle checks each created object (see app.Recordings.Acquire). Records
// of other buckets or events are logged and skipped. An error (storage or
// table unavailable) fails the invocation, so Lambda's asynchronous retries
// deliver it again; what was done before is idempotent.
func (o *Objects) Handle(ctx context.Context, ev events.S3Event) error {
	var errs []error
	for _, rec := range ev.Records {
		key, err := url.QueryUnescape(rec.S3.Object.Key) // S3 events URL-encode keys, '+' for spaces
		if err != nil {
			o.logger.WarnContext(ctx, "s3 event with a malformed key", "key", rec.S3.Object.Key)
			continue
		}
		if rec.S3.Bucket.Name != o.bucket || !strings.HasPrefix(rec.EventName, "ObjectCreated:") {
			o.logger.WarnContext(ctx, "s3 event skipped", "bucket", rec.S3.Bucket.Name, "event", rec.EventName, "key", key)
			continue
		}
		outcome, reason, err := o.rec.Acquire(ctx, key)
		if err != nil {
			o.logger.ErrorContext(ctx, "recording not processed", "key", key, "error", err.Error())
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
			continue
		}
		o.logger.InfoContext(ctx, "recording event", "key", key, "outcome", string(outcome), "reason", reason,
			"size", rec.S3.Object.Size)
	}
	return errors.Join(errs...)
}

// Lambda is the function's entry point: an S3 event (it has "Records")
// goes to objects, anything else is an HTTP API request for api (the
// httpadapter's ProxyWithContext).
func Lambda(objects *Objects, api func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var probe struct {
			Records  json.RawMessage `json:"Records"`
			RouteKey *string         `json:"routeKey"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, fmt.Errorf("event is not JSON: %w", err)
		}
		if probe.RouteKey == nil && len(bytes.TrimSpace(probe.Records)) > 0 {
			var ev events.S3Event
			if err := json.Unmarshal(raw, &ev); err != nil {
				return nil, fmt.Errorf("not an S3 event: %w", err)
			}
			return nil, objects.Handle(ctx, ev)
		}
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, fmt.Errorf("not an HTTP API event: %w", err)
		}
		return api(ctx, req)
	}
}
