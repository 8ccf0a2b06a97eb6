// Package pratiche is the pratiche function's HTTP API: a pratica's data, the
// CDS-mandatory check, sending verifications, the pratica's history and its
// tamper-evident export, and the services conferences (the bodies directory,
// conferences, sessions, their files' uploads).
package pratiche

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"

	"suapcds/shared/api"
	"suapcds/shared/app"
	"suapcds/shared/documents"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi"
)

// Routes lists the function's routes; template.yaml routes the same ones here.
var Routes = httpapi.Patterns(handler{}.routes())

// routes pairs each route with its handler: the one list the mux and Routes
// come from.
func (h handler) routes() []httpapi.Route {
	return []httpapi.Route{
		{Pattern: "PUT /pratiche/{praticaId}", Handle: h.putPratica},
		{Pattern: "GET /pratiche/{praticaId}", Handle: h.getPratica},
		{Pattern: "POST /pratiche/{praticaId}/cds-check", Handle: h.cdsCheck},
		{Pattern: "POST /pratiche/{praticaId}/verifications", Handle: h.verifications},
		{Pattern: "GET /pratiche/{praticaId}/history", Handle: h.history},
		{Pattern: "GET /bodies", Handle: h.listBodies},
		{Pattern: "PUT /bodies/{bodyId}", Handle: h.putBody},
		{Pattern: "POST /pratiche/{praticaId}/conferences", Handle: h.createConference},
		{Pattern: "GET /pratiche/{praticaId}/conferences", Handle: h.listConferences},
		{Pattern: "POST /pratiche/{praticaId}/conferences/{conferenceId}/sessions", Handle: h.convene},
		{Pattern: "GET /pratiche/{praticaId}/conferences/{conferenceId}/sessions", Handle: h.listSessions},
		{Pattern: "POST /pratiche/{praticaId}/conferences/{conferenceId}/sessions/{sessionId}/state", Handle: h.sessionState},
		{Pattern: "GET /pratiche/{praticaId}/conferences/{conferenceId}/documents/{model}", Handle: h.document},
		{Pattern: "POST /pratiche/{praticaId}/conferences/{conferenceId}/files", Handle: h.uploadFile},
		{Pattern: "POST /pratiche/{praticaId}/conferences/{conferenceId}/closure", Handle: h.closeConference},
		{Pattern: "GET /pratiche/{praticaId}/conferences/{conferenceId}/files/{fileId}", Handle: h.downloadFile},
		{Pattern: "GET /pratiche/{praticaId}/history/export", Handle: h.historyExport},
	}
}

type handler struct{ svc *app.Service }

// Deps are the function's dependencies: its main, the local run, the
// tests and the bench fill them alike. App.Files is the bucket of the
// conferences' files.
type Deps struct {
	App app.Deps
}

// New returns the function's handler.
func New(d Deps) (http.Handler, error) {
	svc, err := app.New(d.App)
	if err != nil {
		return nil, fmt.Errorf("pratiche: %w", err)
	}
	h := handler{svc}
	m := httpapi.NewMux(d.App.Logger)
	m.HandleAll(h.routes())
	return m, nil
}

func (h handler) putPratica(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.PraticaBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	p, created, err := h.svc.RegisterPratica(r.Context(), who, r.PathValue("praticaId"), app.PraticaInput{
		Number: b.Number, OfficeID: b.OfficeID, ProcedureType: domain.ProcedureType(b.ProcedureType), Bodies: api.Bodies(b.Bodies),
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpapi.WriteJSON(w, status, api.NewPraticaView(p, app.ShowReason(who)))
	return nil
}

func (h handler) getPratica(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	p, err := h.svc.GetPratica(r.Context(), who, r.PathValue("praticaId"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, api.NewPraticaView(p, app.ShowReason(who)))
	return nil
}

func (h handler) cdsCheck(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.CDSCheckBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	c, err := h.svc.CheckCDS(r.Context(), who, r.PathValue("praticaId"), api.Bodies(b.Bodies))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, api.CDSCheckView{
		CDSRequired: c.Required, Notice: c.Notice, DistinctBodies: c.DistinctBodies,
		CDSConvened: c.Convened, ReasonRequired: c.ReasonRequired, ReasonMaxLength: domain.MaxNoCDSReasonLen,
	})
	return nil
}

func (h handler) verifications(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.VerificationsBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	p, err := h.svc.SendVerifications(r.Context(), who, r.PathValue("praticaId"), api.Bodies(b.Bodies), b.Reason)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, api.NewPraticaView(p, app.ShowReason(who)))
	return nil
}

func (h handler) history(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	limit, err := httpapi.QueryLimit(r)
	if err != nil {
		return err
	}
	page, err := h.svc.History(r.Context(), who, r.PathValue("praticaId"), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	out := api.HistoryList{Items: make([]api.HistoryEntryView, 0, len(page.Items)), Next: page.Next}
	for _, e := range page.Items {
		out.Items = append(out.Items, api.NewHistoryEntryView(e))
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// historyExport answers the whole history with its hash chain, as a JSON
// attachment.
func (h handler) historyExport(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	x, err := h.svc.HistoryExport(r.Context(), who, r.PathValue("praticaId"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "storico-" + x.PraticaID + ".json"}))
	w.Header().Set("Cache-Control", "no-store")
	httpapi.WriteJSON(w, http.StatusOK, x)
	return nil
}

func (h handler) listBodies(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	bodies, err := h.svc.Bodies(r.Context(), who)
	if err != nil {
		return err
	}
	out := api.DirectoryBodyList{Items: make([]api.DirectoryBodyView, 0, len(bodies))}
	for i := range bodies {
		out.Items = append(out.Items, api.NewDirectoryBodyView(&bodies[i]))
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h handler) putBody(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.DirectoryBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	body, created, err := h.svc.PutBody(r.Context(), who, domain.Body{ID: r.PathValue("bodyId"), Name: b.Name, PEC: b.PEC, Email: b.Email})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpapi.WriteJSON(w, status, api.NewDirectoryBodyView(body))
	return nil
}

func (h handler) createConference(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.NewConferenceBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	c, err := h.svc.CreateConference(r.Context(), who, r.PathValue("praticaId"), b.Input())
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, api.NewConferenceView(c))
	return nil
}

func (h handler) listConferences(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	all, err := h.svc.Conferences(r.Context(), who, r.PathValue("praticaId"))
	if err != nil {
		return err
	}
	out := api.ConferenceList{Items: make([]api.ConferenceView, 0, len(all))}
	for i := range all {
		out.Items = append(out.Items, api.NewConferenceView(&all[i]))
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h handler) convene(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.ConveneBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	s, err := h.svc.ConveneSession(r.Context(), who, r.PathValue("praticaId"), r.PathValue("conferenceId"), b.Input())
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, api.NewSessionView(s))
	return nil
}

func (h handler) listSessions(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	sessions, err := h.svc.Sessions(r.Context(), who, r.PathValue("praticaId"), r.PathValue("conferenceId"))
	if err != nil {
		return err
	}
	out := api.SessionList{Items: make([]api.SessionView, 0, len(sessions))}
	for i := range sessions {
		out.Items = append(out.Items, api.NewSessionView(&sessions[i]))
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h handler) sessionState(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.SessionStateBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	s, err := h.svc.SetSessionState(r.Context(), who, r.PathValue("praticaId"), r.PathValue("conferenceId"),
		r.PathValue("sessionId"), domain.SessionState(b.State), b.ClosingFileKey)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, api.NewSessionView(s))
	return nil
}

// closeConference records a conference's outcome, end date and closing act.
func (h handler) closeConference(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.CloseConferenceBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	c, err := h.svc.CloseConference(r.Context(), who, r.PathValue("praticaId"), r.PathValue("conferenceId"), b.Input())
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, api.NewConferenceView(c))
	return nil
}

// uploadFile answers a pre-signed POST for a conference file.
func (h handler) uploadFile(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	var b api.ConferenceFileBody
	if err := httpapi.Decode(w, r, &b); err != nil {
		return err
	}
	f, err := h.svc.ConferenceFileUpload(r.Context(), who, r.PathValue("praticaId"), r.PathValue("conferenceId"), b.ContentType)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpapi.WriteJSON(w, http.StatusOK, api.NewConferenceFileUploadView(f))
	return nil
}

// downloadFile answers a pre-signed GET of a conference file.
func (h handler) downloadFile(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	d, err := h.svc.ConferenceFileDownload(r.Context(), who, r.PathValue("praticaId"), r.PathValue("conferenceId"), r.PathValue("fileId"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpapi.WriteJSON(w, http.StatusOK, api.NewConferenceFileDownloadView(d))
	return nil
}

// document answers a pre-filled document as an .odt attachment.
func (h handler) document(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
	name, odt, err := h.svc.Document(r.Context(), who, r.PathValue("praticaId"), r.PathValue("conferenceId"),
		documents.Model(r.PathValue("model")))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", documents.MimeType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(odt)))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(odt)
	return nil
}
