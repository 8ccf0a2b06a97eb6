package manager

import (
	"errors"
	"net/http"

	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/signedlink"
)

// ConvocationPath is where a convened body downloads a session's
// convocation file when it was too big to attach to the mail:
// {PUBLIC_BASE_URL}/enti/convocazioni/{praticaId}/{conferenceId}/{sessionId}?t={token}.
// notify signs the token (signedlink.Convocation) with the same LINK_KEY.
const ConvocationPath = signedlink.ConvocationPath

// convocation verifies the link and redirects to a short-lived pre-signed
// GET of the file, so the mailed link outlives any credentials: it is ours,
// and S3's is made at each click. Failures are an Italian page.
func (h handler) convocation() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pid, cid, sid := r.PathValue("praticaId"), r.PathValue("conferenceId"), r.PathValue("sessionId")
		subject := signedlink.ConvocationSubject(pid, cid, sid)
		if !domain.ValidID(pid) || !domain.ValidID(cid) || !domain.ValidID(sid) {
			h.convocationRefused(w)
			return
		}
		if _, err := h.links.Verify(r.URL.Query().Get("t"), signedlink.Convocation, subject, h.clock.Now()); err != nil {
			h.logger.InfoContext(r.Context(), "signed link refused", "reason", err.Error())
			h.convocationRefused(w)
			return
		}
		u, err := h.svc.ConvocationDownload(r.Context(), pid, cid, sid)
		var de *domain.Error
		switch {
		case err == nil:
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Referrer-Policy", "no-referrer")
			http.Redirect(w, r, u, http.StatusSeeOther)
		case errors.Is(err, app.ErrSessionCancelled):
			h.render(w, http.StatusGone, pageData{Title: "Seduta annullata", Blocked: true, Error: app.ErrSessionCancelled.Detail})
		case errors.As(err, &de) && de.Kind == domain.KindNotFound:
			h.render(w, http.StatusNotFound, pageData{Title: "File non trovato", Blocked: true,
				Error: "Il file di convocazione non è disponibile: contattare l'ufficio SUAP che ha inviato la convocazione."})
		default:
			h.logger.ErrorContext(r.Context(), "convocation download", "error", err.Error())
			h.render(w, http.StatusInternalServerError, pageData{Title: "Errore", Blocked: true,
				Error: "Si è verificato un errore: riprovare tra qualche minuto."})
		}
	})
}

// convocationRefused is the page of an invalid or expired convocation link:
// a convened body has no account to sign in with, so it is sent back to
// the office.
func (h handler) convocationRefused(w http.ResponseWriter) {
	h.render(w, http.StatusForbidden, pageData{Title: "Link non valido", Blocked: true,
		Error: "Il link non è valido o è scaduto: contattare l'ufficio SUAP che ha inviato la convocazione per riceverne uno nuovo."})
}
