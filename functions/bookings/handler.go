// Package bookings is the bookings function's HTTP API: videoconference
// booking requests, their thread, the Videoconferenza list and a pratica's
// communications.
package bookings

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"suapcds/shared/api"
	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi"
	"suapcds/shared/store"
	"suapcds/shared/workdays"
)

// Routes lists the function's routes; template.yaml routes the same ones here.
var Routes = httpapi.Patterns(handler{}.routes())

// routes pairs each route with its handler: the one list the mux and Routes
// come from.
func (h handler) routes() []httpapi.Route {
	return []httpapi.Route{
		{Pattern: "POST /pratiche/{praticaId}/booking-requests", Handle: h.create},
		{Pattern: "GET /pratiche/{praticaId}/booking-requests", Handle: h.praticaRequests},
		{Pattern: "GET /pratiche/{praticaId}/booking-requests/last-day", Handle: h.lastDay},
		{Pattern: "GET /pratiche/{praticaId}/communications", Handle: h.communications},
		{Pattern: "GET /booking-requests", Handle: h.list},
		{Pattern: "GET /booking-requests/{requestId}", Handle: h.get},
		{Pattern: "POST /booking-requests/{requestId}/messages", Handle: h.post},
	}
}

type handler struct {
	svc   *app.Service
	clock clock.Clock
}

// Deps are the function's dependencies: its main, the local run, the
// tests and the bench fill them alike.
type Deps struct {
	App app.Deps
}

// New returns the function's handler.
func New(d Deps) (http.Handler, error) {
	svc, err := app.New(d.App)
	if err != nil {
		return nil, fmt.Errorf("bookings: %w", err)
	}
	h := handler{svc: svc, clock: d.App.Clock}
	m := httpapi.NewMux(d.App.Logger)
	m.HandleAll(h.routes())
	return m, nil
}

func (h handler) create(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.NewRequestBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	req, err := h.svc.CreateRequest(r.Context(), who, r.PathValue("praticaId"), b.Input())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/booking-requests/"+req.ID)
	httpapi.WriteJSON(w, http.StatusCreated, api.NewRequestView(req, who))
	return nil
}

func (h handler) praticaRequests(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	reqs, err := h.svc.PraticaRequests(r.Context(), who, r.PathValue("praticaId"))
	if err != nil {
		return err
	}
	out := api.RequestList{Items: make([]api.RequestView, 0, len(reqs))}
	for i := range reqs {
		out.Items = append(out.Items, api.NewRequestView(&reqs[i], who))
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h handler) lastDay(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var start api.Instant
	err := start.UnmarshalJSON([]byte(`"` + r.URL.Query().Get("start") + `"`))
	if errors.Is(err, domain.DateOutOfRange("start")) {
		return err
	}
	if err != nil || start.IsZero() {
		return httpapi.QueryError("start", "Il parametro «start» deve essere una data e ora RFC 3339 con fuso orario.")
	}
	day, email, err := h.svc.LastRequestDay(r.Context(), who, r.PathValue("praticaId"), start.Time)
	if err != nil {
		return err
	}
	today := workdays.DateOf(h.clock.Now())
	httpapi.WriteJSON(w, http.StatusOK, api.LastDayView{
		Start: start, LastRequestDay: day, LastRequestDayLabel: domain.ItalianDay(day),
		LeadDays: h.svc.LeadDays(), Open: !today.After(day), DefaultEmail: email,
	})
	return nil
}

func (h handler) communications(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	items, err := h.svc.Communications(r.Context(), who, r.PathValue("praticaId"))
	if err != nil {
		return err
	}
	out := api.CommunicationList{Items: make([]api.CommunicationView, 0, len(items))}
	for _, c := range items {
		out.Items = append(out.Items, api.CommunicationView{
			RequestID: c.RequestID, Kind: c.Kind, At: api.Instant{Time: c.At}, AtLabel: domain.FormatRome(c.At),
			Sender: api.Person{Name: c.SenderName, Role: string(c.SenderRole)}, Subject: c.Subject, Body: c.Body,
			State: string(c.State), StateLabel: c.State.Label(),
		})
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// listQuery reads the Videoconferenza list's filters from the query string.
func listQuery(r *http.Request) (store.ListQuery, error) {
	qs, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return store.ListQuery{}, httpapi.QueryError("query", "I parametri della richiesta non sono codificati correttamente.")
	}
	q := store.ListQuery{
		OfficeID:      qs.Get("office"),
		BasinID:       qs.Get("basin"),
		Assignee:      qs.Get("assignee"),
		PraticaNumber: qs.Get("praticaNumber"),
		Subject:       qs.Get("subject"),
		State:         domain.State(qs.Get("state")),
		Cursor:        qs.Get("cursor"),
	}
	for _, p := range []struct{ name, v string }{{"office", q.OfficeID}, {"basin", q.BasinID}, {"assignee", q.Assignee}} {
		if p.v != "" && !domain.ValidID(p.v) {
			return q, httpapi.QueryError(p.name, "Il parametro «"+p.name+"» non è un identificativo valido.")
		}
	}
	if len([]rune(q.Subject)) > domain.MaxSubjectLen {
		return q, httpapi.QueryError("subject", "Il testo da cercare nell'oggetto è troppo lungo.")
	}
	if len([]rune(q.PraticaNumber)) > domain.MaxPraticaNumberLen {
		return q, httpapi.QueryError("praticaNumber", "Il numero di pratica da cercare è troppo lungo.")
	}
	if q.State != "" && !q.State.Valid() {
		return q, httpapi.QueryError("state", "Il parametro «state» deve essere uno tra APERTA, NON_DISPONIBILE, IN_ELABORAZIONE, EVASA.")
	}
	if q.Limit, err = httpapi.QueryLimit(r); err != nil {
		return q, err
	}
	from, to := qs.Get("from"), qs.Get("to")
	if from != "" {
		d, err := workdays.ParseDate(from)
		if err != nil {
			return q, httpapi.QueryError("from", "Il parametro «from» deve essere una data nel formato AAAA-MM-GG.")
		}
		if !d.InWindow() {
			return q, domain.DateOutOfRange("from")
		}
		q.From = d.Time()
	}
	if to != "" {
		d, err := workdays.ParseDate(to)
		if err != nil {
			return q, httpapi.QueryError("to", "Il parametro «to» deve essere una data nel formato AAAA-MM-GG.")
		}
		if !d.InWindow() {
			return q, domain.DateOutOfRange("to")
		}
		q.To = d.AddDays(1).Time().Add(-time.Nanosecond) // the whole day, in Rome
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return q, httpapi.QueryError("to", "La data finale precede la data iniziale.")
	}
	return q, nil
}

func (h handler) list(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	q, err := listQuery(r)
	if err != nil {
		return err
	}
	page, err := h.svc.ListRequests(r.Context(), who, q)
	if err != nil {
		return err
	}
	out := api.RequestList{Items: make([]api.RequestView, 0, len(page.Items)), Next: page.Next}
	for i := range page.Items {
		out.Items = append(out.Items, api.NewRequestView(&page.Items[i], who))
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h handler) get(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	d, err := h.svc.Request(r.Context(), who, r.PathValue("requestId"))
	if err != nil {
		return err
	}
	out := api.RequestDetailView{
		Request:  api.NewRequestView(d.Request, who),
		Messages: make([]api.MessageView, 0, len(d.Messages)),
		Previous: make([]api.RequestView, 0, len(d.Previous)),
		CanPost:  d.CanPost,
	}
	for i := range d.Messages {
		out.Messages = append(out.Messages, api.NewMessageView(&d.Messages[i]))
	}
	for i := range d.Previous {
		out.Previous = append(out.Previous, api.NewRequestView(&d.Previous[i], who))
	}
	if d.NoPostWhy != nil {
		out.NoPost = &api.Refusal{Code: d.NoPostWhy.Code, Detail: d.NoPostWhy.Detail}
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h handler) post(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.MessageBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	m, err := h.svc.PostMessage(r.Context(), who, r.PathValue("requestId"), b.Subject, b.Body)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, api.NewMessageView(m))
	return nil
}
