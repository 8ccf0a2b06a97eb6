// Package manager is the manager function: the regional service's answers
// (take, accept with a room, decline, cancel), room availability and
// configuration as a JSON API behind the JWT authorizer, and the same
// answers as server-rendered pages opened from the signed link in the
// new-request e-mail (pages.go).
package manager

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"suapcds/shared/api"
	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi"
	"suapcds/shared/signedlink"
)

// Routes lists the JSON API's routes (JWT); template.yaml routes them here.
var Routes = httpapi.Patterns(handler{}.routes())

// routes pairs each route with its handler: the one list the mux and Routes
// come from.
func (h handler) routes() []httpapi.Route {
	return []httpapi.Route{
		{Pattern: "POST /booking-requests/{requestId}/take", Handle: h.take},
		{Pattern: "POST /booking-requests/{requestId}/accept", Handle: h.accept},
		{Pattern: "POST /booking-requests/{requestId}/decline", Handle: h.decline},
		{Pattern: cancelRoute, Handle: h.decline},
		{Pattern: "GET /booking-requests/{requestId}/rooms", Handle: h.rooms},
		{Pattern: "GET /rooms", Handle: h.listRooms},
		{Pattern: "PUT /rooms/{roomId}", Handle: h.putRoom},
	}
}

// cancelRoute shares decline's handler: the body and checks are the same,
// the transition another.
const cancelRoute = "POST /booking-requests/{requestId}/cancel"

// PageRoutes lists the signed-link pages' routes (no JWT: the link's token
// is the credential).
var PageRoutes = []string{
	"GET " + signedlink.AnswerPath + "{requestId}",
	"POST " + signedlink.AnswerPath + "{requestId}/{action}",
	convocationRoute,
}

// convocationRoute is a convened body's download of a convocation too big
// to attach (convocation.go).
const convocationRoute = "GET " + ConvocationPath + "{praticaId}/{conferenceId}/{sessionId}"

type handler struct {
	svc    *app.Service
	clock  clock.Clock
	links  *signedlink.Signer
	logger *slog.Logger
	// rec gives the page of a request that waits for its recording the
	// form that uploads it straight to the bucket (a pre-signed POST).
	rec *app.Recordings
}

// Deps are the function's dependencies: its main, the local run, the
// tests and the bench fill them alike. App.Files is the bucket of the
// recordings and of the conferences' files (the convocations' downloads);
// Links signs and checks the pages' links (required).
type Deps struct {
	App   app.Deps
	Links *signedlink.Signer
}

// New returns the function's handler: the API and the pages.
func New(d Deps) (http.Handler, error) {
	if d.Links == nil {
		return nil, errors.New("manager: Deps needs Links")
	}
	svc, err := app.New(d.App)
	if err != nil {
		return nil, fmt.Errorf("manager: %w", err)
	}
	logger := d.App.Logger
	h := handler{svc: svc, clock: d.App.Clock, links: d.Links, logger: logger}
	if d.App.Files != nil {
		h.rec = svc.Recordings()
	}
	m := httpapi.NewMux(logger)
	m.HandleAll(h.routes())
	top := http.NewServeMux()
	top.Handle("/", m)
	pages := httpapi.Log(logger, h.pages())
	convocation := httpapi.Log(logger, h.convocation())
	for _, p := range PageRoutes {
		if p == convocationRoute {
			top.Handle(p, convocation)
		} else {
			top.Handle(p, pages)
		}
	}
	return top, nil
}

func (h handler) take(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	req, err := h.svc.Take(r.Context(), who, r.PathValue("requestId"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, api.NewRequestView(req, who))
	return nil
}

func (h handler) accept(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.AcceptBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	req, err := h.svc.Accept(r.Context(), who, r.PathValue("requestId"), domain.AcceptInput(b))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, api.NewRequestView(req, who))
	return nil
}

func (h handler) decline(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.DeclineBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	refuse := h.svc.Decline
	if r.Pattern == cancelRoute {
		refuse = h.svc.Cancel
	}
	req, err := refuse(r.Context(), who, r.PathValue("requestId"), b.Message)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, api.NewRequestView(req, who))
	return nil
}

func (h handler) rooms(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	req, rooms, err := h.svc.Availability(r.Context(), who, r.PathValue("requestId"))
	if err != nil {
		return err
	}
	out := api.AvailabilityView{RequestID: req.ID, Start: api.Instant{Time: req.Start}, End: api.Instant{Time: req.End()},
		Items: make([]api.RoomAvailabilityView, 0, len(rooms))}
	for _, a := range rooms {
		out.Items = append(out.Items, api.RoomAvailabilityView{Room: api.NewRoomView(a.Room), Free: a.Free, HeldByThis: a.HeldByThis})
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h handler) listRooms(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	rooms, err := h.svc.Rooms(r.Context(), who)
	if err != nil {
		return err
	}
	out := api.RoomList{Items: make([]api.RoomView, 0, len(rooms))}
	for _, room := range rooms {
		out.Items = append(out.Items, api.NewRoomView(room))
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h handler) putRoom(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.RoomBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	room, err := h.svc.PutRoom(r.Context(), who, domain.Room{ID: r.PathValue("roomId"), Name: b.Name, DefaultLink: b.DefaultLink, Active: b.Active})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, api.NewRoomView(*room))
	return nil
}
