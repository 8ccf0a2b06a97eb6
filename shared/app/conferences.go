package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"suapcds/shared/documents"
	"suapcds/shared/domain"
	"suapcds/shared/store"
	"suapcds/shared/workdays"
)

// Errors of the conferences' use cases.
var (
	errBodiesAdminOnly = &domain.Error{Kind: domain.KindForbidden, Code: "admin_only",
		Detail: "Solo l'amministratore regionale può modificare l'elenco degli enti."}
	errConferenceNotFound = &domain.Error{Kind: domain.KindNotFound, Code: "conference_not_found",
		Detail: "Conferenza dei servizi non trovata."}
	errSessionNotFound = &domain.Error{Kind: domain.KindNotFound, Code: "session_not_found",
		Detail: "Seduta non trovata."}
)

// maxBookingsRead bounds the pratica's booking requests read to pre-fill a
// session's place (a pratica has a handful).
const maxBookingsRead = 50

// PutBody creates or changes an entry of the bodies directory (admin). The
// version read is the one written over, so two admins editing at once get a
// version_conflict rather than a lost update. created tells which it was.
func (s *Service) PutBody(ctx context.Context, who domain.Principal, b domain.Body) (*domain.Body, bool, error) {
	if who.Role != domain.RoleAdmin {
		return nil, false, errBodiesAdminOnly
	}
	if err := b.Validate(); err != nil {
		return nil, false, err
	}
	cur, err := s.store.GetBodies(ctx, []string{b.ID})
	if err != nil {
		return nil, false, err
	}
	created := cur[0] == nil
	if !created {
		b.Version = cur[0].Version
	}
	if err := s.store.PutBody(ctx, &b); err != nil {
		return nil, false, err
	}
	return &b, created, nil
}

// Bodies lists the directory: the admin, and the operators who pick from it.
func (s *Service) Bodies(ctx context.Context, who domain.Principal) ([]domain.Body, error) {
	if who.Role != domain.RoleAdmin && !who.SUAPSide() {
		return nil, domain.ErrForbidden
	}
	return s.store.ListBodies(ctx)
}

// ConferenceDetail is a conference with its sessions and its deadlines.
type ConferenceDetail struct {
	Conference domain.Conference
	Sessions   []domain.Session
	Deadlines  []domain.Deadline
}

// CreateConference adds a conference to a pratica (its operators).
func (s *Service) CreateConference(ctx context.Context, who domain.Principal, praticaID string, in domain.NewConferenceInput) (*ConferenceDetail, error) {
	if err := operatorOnly(who); err != nil {
		return nil, err
	}
	p, err := s.visiblePratica(ctx, who, praticaID, false)
	if err != nil {
		return nil, err
	}
	c, err := domain.NewConference(p, in, who, s.clock.Now())
	if err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("Tipo: %s; data di indizione: %s", c.Type.Label(), c.StartDate.Italian())
	h := domain.NewHistory(p.ID, who, domain.OpConferenceCreated, detail, c.CreatedAt)
	if err := s.store.CreateConference(ctx, c, h); err != nil {
		return nil, err
	}
	cal, err := s.officeCalendar(ctx, p.OfficeID)
	if err != nil {
		return nil, err
	}
	return &ConferenceDetail{Conference: *c, Deadlines: domain.Deadlines(cal, c, c.FirstMeeting)}, nil
}

// Conferences lists a pratica's conferences with their sessions and
// deadlines: its operators, and the regional service (read only).
func (s *Service) Conferences(ctx context.Context, who domain.Principal, praticaID string) ([]ConferenceDetail, error) {
	if who.Role == domain.RoleAdmin {
		return nil, domain.ErrForbidden
	}
	p, err := s.visiblePratica(ctx, who, praticaID, true)
	if err != nil {
		return nil, err
	}
	confs, sessions, err := s.store.PraticaConferences(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	cal, err := s.officeCalendar(ctx, p.OfficeID)
	if err != nil {
		return nil, err
	}
	out := make([]ConferenceDetail, len(confs))
	for i := range confs {
		c := &confs[i]
		out[i] = ConferenceDetail{Conference: *c, Sessions: []domain.Session{}, Deadlines: domain.Deadlines(cal, c, c.FirstMeeting)}
		for _, x := range sessions {
			if x.ConferenceID == c.ID {
				out[i].Sessions = append(out[i].Sessions, x)
			}
		}
	}
	return out, nil
}

// Sessions lists one conference's sessions (as Conferences may).
func (s *Service) Sessions(ctx context.Context, who domain.Principal, praticaID, conferenceID string) ([]domain.Session, error) {
	all, err := s.Conferences(ctx, who, praticaID)
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.Conference.ID == conferenceID {
			return c.Sessions, nil
		}
	}
	return nil, errConferenceNotFound
}

// officeCalendar is the working-day calendar of the pratica's office (the
// national one when the office is not configured).
func (s *Service) officeCalendar(ctx context.Context, officeID string) (*workdays.Calendar, error) {
	o, err := s.store.GetOffice(ctx, officeID)
	if errors.Is(err, domain.ErrNotFound) {
		return workdays.National(), nil
	}
	if err != nil {
		return nil, err
	}
	return s.calendar(o)
}

// conferenceWithSessions reads conference id of the pratica together with
// the pratica's sessions (one Query; callers filter by ConferenceID).
func (s *Service) conferenceWithSessions(ctx context.Context, praticaID, id string) (*domain.Conference, []domain.Session, error) {
	if !domain.ValidID(id) {
		return nil, nil, errConferenceNotFound
	}
	confs, sessions, err := s.store.PraticaConferences(ctx, praticaID)
	if err != nil {
		return nil, nil, err
	}
	for i := range confs {
		if confs[i].ID == id {
			return &confs[i], sessions, nil
		}
	}
	return nil, nil, errConferenceNotFound
}

func (s *Service) conference(ctx context.Context, praticaID, id string) (*domain.Conference, error) {
	if !domain.ValidID(id) {
		return nil, errConferenceNotFound
	}
	c, err := s.store.GetConference(ctx, praticaID, id)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, errConferenceNotFound
	}
	return c, err
}

// ConveneSession convenes a session of a conference (docs/rules.md §4): the place is
// pre-filled "Videoconferenza" when an accepted booking of the pratica covers
// its time (whose code, password and link go into the convocation), the
// pratica's CDS counts as convened (no reason needed any more for the
// verifications), and one outbox event per selected body mails it the
// convocation — all in one transaction with the history entry.
func (s *Service) ConveneSession(ctx context.Context, who domain.Principal, praticaID, conferenceID string, in domain.ConveneInput) (*domain.Session, error) {
	if err := operatorOnly(who); err != nil {
		return nil, err
	}
	p, err := s.visiblePratica(ctx, who, praticaID, false)
	if err != nil {
		return nil, err
	}
	c, err := s.conference(ctx, p.ID, conferenceID)
	if err != nil {
		return nil, err
	}
	if c.Closed() { // before reading the bodies and bookings it would not use
		return nil, domain.ErrConferenceClosed
	}
	if len(in.BodyIDs) > domain.MaxSessionBodies {
		return nil, &domain.Error{Kind: domain.KindInvalid, Code: "invalid_input",
			Detail: fmt.Sprintf("Si possono convocare al massimo %d enti per seduta.", domain.MaxSessionBodies),
			Fields: []domain.FieldError{{Field: "bodyIds", Code: "too_many", Detail: fmt.Sprintf("Al massimo %d enti.", domain.MaxSessionBodies)}}}
	}
	bodies, err := s.directoryEntries(ctx, in.BodyIDs)
	if err != nil {
		return nil, err
	}
	reqs, err := s.store.PraticaRequests(ctx, p.ID, maxBookingsRead)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	x, err := domain.NewSession(c, in, bodies, domain.CoveringBooking(reqs, in.Start), who, now)
	if err != nil {
		return nil, err
	}
	if x.ConvocationFileKey, err = s.keepConferenceFile(ctx, p.ID, c.ID, "convocationFileKey", x.ConvocationFileKey); err != nil {
		return nil, err
	}
	next := *c
	next.SessionCount = x.Seq
	if day := workdays.DateOf(x.Start); next.FirstMeeting.IsZero() || day.Before(next.FirstMeeting) {
		next.FirstMeeting = day
	}
	var pratica *domain.Pratica
	if !p.CDSConvened {
		cp := *p
		cp.CDSConvened = true
		pratica = &cp
	}
	names := make([]string, len(x.Bodies))
	events := make([]domain.OutboxEvent, len(x.Bodies))
	for i, b := range x.Bodies {
		names[i] = b.Name
		events[i] = domain.SessionConvenedEvent(c.ID, b.BodyID, i+1, now)
	}
	detail := fmt.Sprintf("Seduta n. %d del %s – %s – enti convocati: %s", x.Seq, domain.FormatRome(x.Start), x.Place, strings.Join(names, ", "))
	err = s.store.ConveneSession(ctx, store.ConveneChange{Session: x, Conference: &next, Pratica: pratica, Events: events,
		History: []domain.HistoryEntry{domain.NewHistory(p.ID, who, domain.OpSessionConvened, detail, now)}})
	if err != nil {
		return nil, err
	}
	return x, nil
}

// directoryEntries reads the bodies ids name, in their order: nil for an id
// that is not in the directory or cannot be one (never read).
func (s *Service) directoryEntries(ctx context.Context, ids []string) ([]*domain.Body, error) {
	out := make([]*domain.Body, len(ids))
	var valid []string
	for _, id := range ids {
		if domain.ValidID(id) {
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		return out, nil
	}
	got, err := s.store.GetBodies(ctx, valid)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*domain.Body, len(got))
	for _, b := range got {
		if b != nil {
			byID[b.ID] = b
		}
	}
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// SetSessionState marks a convened session SVOLTA or ANNULLATA; with
// closingFileKey (SVOLTA only) it records the session's verbale, also later
// on a held session that has none yet. The file must be an uploaded file of
// the conference.
func (s *Service) SetSessionState(ctx context.Context, who domain.Principal, praticaID, conferenceID, sessionID string, to domain.SessionState, closingFileKey string) (*domain.Session, error) {
	if err := operatorOnly(who); err != nil {
		return nil, err
	}
	p, err := s.visiblePratica(ctx, who, praticaID, false)
	if err != nil {
		return nil, err
	}
	if !domain.ValidID(conferenceID) || !domain.ValidID(sessionID) {
		return nil, errSessionNotFound
	}
	x, err := s.store.GetSession(ctx, p.ID, conferenceID, sessionID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, errSessionNotFound
	}
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	wasHeld := x.State == domain.SessionHeld
	if err := x.SetState(to, closingFileKey, now); err != nil {
		return nil, err
	}
	if x.ClosingFileKey != "" {
		if x.ClosingFileKey, err = s.keepConferenceFile(ctx, p.ID, conferenceID, "closingFileKey", x.ClosingFileKey); err != nil {
			return nil, err
		}
	}
	op := domain.OpSessionHeld
	switch {
	case wasHeld:
		op = domain.OpSessionMinutes
	case to == domain.SessionCancelled:
		op = domain.OpSessionCancelled
	}
	detail := fmt.Sprintf("Seduta n. %d del %s", x.Seq, domain.FormatRome(x.Start))
	if x.ClosingFileKey != "" {
		detail += " – verbale della seduta allegato"
	}
	if err := s.store.UpdateSession(ctx, x, domain.NewHistory(p.ID, who, op, detail, now)); err != nil {
		return nil, err
	}
	return x, nil
}

// CloseConference concludes a conference (its operators): the outcome, the
// end date (from the start to today, in Rome) and, optionally, the closing
// act uploaded under the conference's prefix. A concluded conference, or one
// with a session still CONVOCATA, is refused (409). The update is
// conditioned on the version read with the sessions, so a session convened
// meanwhile makes it a version_conflict rather than a conference closed
// over an open session. It answers the conference as the list renders it.
func (s *Service) CloseConference(ctx context.Context, who domain.Principal, praticaID, conferenceID string, in domain.CloseConferenceInput) (*ConferenceDetail, error) {
	if err := operatorOnly(who); err != nil {
		return nil, err
	}
	p, err := s.visiblePratica(ctx, who, praticaID, false)
	if err != nil {
		return nil, err
	}
	c, sessions, err := s.conferenceWithSessions(ctx, p.ID, conferenceID)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	if err := c.Close(in, sessions, workdays.DateOf(now)); err != nil {
		return nil, err
	}
	// The calendar is read before the copy and the write: a failure after
	// the commit would answer an error for a conference already concluded,
	// one after the copy would leave a kept copy nothing uses.
	cal, err := s.officeCalendar(ctx, p.OfficeID)
	if err != nil {
		return nil, err
	}
	if c.ClosingFileKey != "" {
		if c.ClosingFileKey, err = s.keepConferenceFile(ctx, p.ID, c.ID, "closingFileKey", c.ClosingFileKey); err != nil {
			return nil, err
		}
	}
	detail := fmt.Sprintf("Esito: %s; data di conclusione: %s", c.Outcome.Label(), c.EndDate.Italian())
	if c.ClosingFileKey != "" {
		detail += "; determinazione conclusiva allegata"
	}
	if err := s.store.UpdateConference(ctx, c, domain.NewHistory(p.ID, who, domain.OpConferenceClosed, detail, now)); err != nil {
		return nil, err
	}
	d := &ConferenceDetail{Conference: *c, Sessions: []domain.Session{}, Deadlines: domain.Deadlines(cal, c, c.FirstMeeting)}
	for _, x := range sessions {
		if x.ConferenceID == c.ID {
			d.Sessions = append(d.Sessions, x)
		}
	}
	return d, nil
}

// errUnknownModel is a pre-filled document that does not exist.
var errUnknownModel = &domain.Error{Kind: domain.KindNotFound, Code: "model_not_found",
	Detail: "Modello di documento non trovato: sono disponibili «indizione-sincrona-videoconferenza», «riunione-dopo-asincrona» e «indizione-sincrona»."}

// Document builds a pre-filled document (prestampato) of a conference, as an
// editable .odt, for the pratica's operators. The meeting it names is the
// conference's latest session still CONVOCATA or, before any, the pratica's
// latest accepted videoconference booking (the meeting about to be
// convened); without either, date, time and link are left blank to fill in.
// It writes nothing. It returns the file's name and content.
func (s *Service) Document(ctx context.Context, who domain.Principal, praticaID, conferenceID string, model documents.Model) (string, []byte, error) {
	if err := operatorOnly(who); err != nil {
		return "", nil, err
	}
	p, err := s.visiblePratica(ctx, who, praticaID, false)
	if err != nil {
		return "", nil, err
	}
	if !model.Valid() {
		return "", nil, errUnknownModel
	}
	c, sessions, err := s.conferenceWithSessions(ctx, p.ID, conferenceID)
	if err != nil {
		return "", nil, err
	}
	d := documents.Data{Office: "Ufficio SUAP " + p.OfficeID, PraticaNumber: p.Number, ConferenceType: c.Type.Label(),
		SensitiveInterests: c.SensitiveInterests, Date: s.clock.Now()}
	if o, err := s.store.GetOffice(ctx, p.OfficeID); err == nil {
		d.Office = o.Name
	} else if !errors.Is(err, domain.ErrNotFound) {
		return "", nil, err
	}
	var latest *domain.Session
	for i := range sessions {
		x := &sessions[i]
		if x.ConferenceID == c.ID && x.State == domain.SessionConvened && (latest == nil || x.Seq > latest.Seq) {
			latest = x
		}
	}
	var meeting *domain.Meeting
	switch {
	case latest != nil:
		d.Start, d.Place, meeting = latest.Start, latest.Place, latest.Meeting
		for _, b := range latest.Bodies {
			d.Bodies = append(d.Bodies, b.Name)
		}
	default:
		reqs, err := s.store.PraticaRequests(ctx, p.ID, maxBookingsRead)
		if err != nil {
			return "", nil, err
		}
		for i := range reqs { // newest first
			if r := &reqs[i]; r.Meeting != nil && (r.State == domain.StateProcessing || r.State == domain.StateDone) {
				d.Start, d.Place, meeting = r.Start, domain.PlaceVideoconference, r.Meeting
				break
			}
		}
		seen := map[string]bool{}
		for _, b := range p.Bodies {
			if !seen[b.BodyID] {
				seen[b.BodyID] = true
				d.Bodies = append(d.Bodies, b.Name)
			}
		}
	}
	if meeting != nil {
		d.Meeting = &documents.Meeting{Link: meeting.Link, Code: meeting.Code, Password: meeting.Password}
	}
	odt, err := documents.Build(model, d)
	if err != nil {
		return "", nil, err
	}
	return model.FileName(p.Number), odt, nil
}
