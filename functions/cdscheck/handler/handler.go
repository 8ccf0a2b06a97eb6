// Package handler is the cdscheck function's HTTP API: a pratica's data, the
// CDS-mandatory check, sending verifications, and the pratica's history.
package handler

import (
	"log/slog"
	"net/http"

	"suapcds/shared/api"
	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi"
)

// Routes lists the function's routes; template.yaml routes the same ones here.
var Routes = []string{
	"PUT /pratiche/{praticaId}",
	"GET /pratiche/{praticaId}",
	"POST /pratiche/{praticaId}/cds-check",
	"POST /pratiche/{praticaId}/verifications",
	"GET /pratiche/{praticaId}/history",
}

type handler struct{ svc *app.Service }

// New returns the function's handler.
func New(svc *app.Service, logger *slog.Logger) http.Handler {
	h := handler{svc}
	m := httpapi.NewMux(logger)
	m.Handle(Routes[0], h.putPratica)
	m.Handle(Routes[1], h.getPratica)
	m.Handle(Routes[2], h.cdsCheck)
	m.Handle(Routes[3], h.verifications)
	m.Handle(Routes[4], h.history)
	return m
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
