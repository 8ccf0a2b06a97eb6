package app

import (
	"context"
	"sort"
	"time"

	"suapcds/shared/domain"
	"suapcds/shared/store"
	"suapcds/shared/workdays"
)

// CreateRequest books a videoconference for pratica id. An empty e-mail is
// pre-filled with the office's configured address.
func (s *Service) CreateRequest(ctx context.Context, who domain.Principal, id string, in domain.NewRequestInput) (*domain.Request, error) {
	if err := operatorOnly(who); err != nil {
		return nil, err
	}
	p, office, err := s.praticaWithOffice(ctx, who, id, true)
	if err != nil {
		return nil, err
	}
	if in.Email == "" {
		in.Email = office.Email
	}
	cal, err := s.calendar(office)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	r, err := domain.NewRequest(p, who, in, now, cal, s.leadDays)
	if err != nil {
		return nil, err
	}
	r.OfficeName = office.Name
	r.Chain = p.Chain // the head read with the pratica: the change expects it
	h := domain.NewHistory(p.ID, who, domain.OpRequestCreated,
		"Videoconferenza del "+domain.FormatRome(r.Start)+" ("+domain.DurationLabel(r.DurationMinutes)+")", now)
	ev := domain.RequestCreatedEvent(now)
	if err := s.store.CreateRequest(ctx, r, h, ev); err != nil {
		return nil, err
	}
	return r, nil
}

// praticaWithOffice loads a pratica the operator may act on and its office.
// A SUAP operator's office is known from the claims, so both come in one
// read; a basin operator's needs the pratica first. With change, the
// pratica's history head comes in the same read.
func (s *Service) praticaWithOffice(ctx context.Context, who domain.Principal, id string, change bool) (*domain.Pratica, *domain.Office, error) {
	if !domain.ValidID(id) {
		return nil, nil, domain.ErrNotFound
	}
	if who.Role == domain.RoleSuapOperator {
		read := s.store.PraticaAndOffice
		if change {
			read = s.store.PraticaToChange
		}
		p, office, err := read(ctx, id, who.OfficeID)
		if err != nil {
			return nil, nil, err
		}
		if p == nil || !who.CanActOn(p.OfficeID, p.BasinID) {
			return nil, nil, domain.ErrNotFound
		}
		if office == nil {
			return nil, nil, errUnknownOffice
		}
		return p, office, nil
	}
	var p *domain.Pratica
	var err error
	if change {
		p, err = s.praticaToChange(ctx, who, id)
	} else {
		p, err = s.visiblePratica(ctx, who, id, false)
	}
	if err != nil {
		return nil, nil, err
	}
	office, err := s.store.GetOffice(ctx, p.OfficeID)
	if err != nil {
		return nil, nil, err
	}
	return p, office, nil
}

// LastRequestDay is the last day a request for a meeting at start can be
// sent from the office, and the e-mail address a request defaults to (the
// office's): the booking form's hint and pre-filled address.
func (s *Service) LastRequestDay(ctx context.Context, who domain.Principal, id string, start time.Time) (workdays.Date, string, error) {
	if err := operatorOnly(who); err != nil {
		return workdays.Date{}, "", err
	}
	_, office, err := s.praticaWithOffice(ctx, who, id, false)
	if err != nil {
		return workdays.Date{}, "", err
	}
	cal, err := s.calendar(office)
	if err != nil {
		return workdays.Date{}, "", err
	}
	return cal.LastRequestDay(workdays.DateOf(start), s.leadDays), office.Email, nil
}

// visibleRequest loads a request the caller may read; others get not found.
func (s *Service) visibleRequest(ctx context.Context, who domain.Principal, id string) (*domain.Request, error) {
	if who.Role == domain.RoleAdmin {
		return nil, domain.ErrForbidden
	}
	if !domain.ValidID(id) {
		return nil, domain.ErrNotFound
	}
	r, err := s.store.GetRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if !who.CanSeeRequest(r) {
		return nil, domain.ErrNotFound
	}
	return r, nil
}

// RequestDetail is a request with its thread and the pratica's earlier
// requests.
type RequestDetail struct {
	Request  *domain.Request
	Messages []domain.Message
	Previous []domain.Request
	// CanPost tells whether the caller may add to the thread now, and if not
	// why (the error's code), for the page to show or hide the form.
	CanPost   bool
	NoPostWhy *domain.Error
}

// maxPrevious bounds the earlier requests returned with a detail.
const maxPrevious = 20

// Request returns the detail of request id.
func (s *Service) Request(ctx context.Context, who domain.Principal, id string) (*RequestDetail, error) {
	if who.Role == domain.RoleAdmin {
		return nil, domain.ErrForbidden
	}
	if !domain.ValidID(id) {
		return nil, domain.ErrNotFound
	}
	r, msgs, err := s.store.RequestThread(ctx, id)
	if err != nil {
		return nil, err
	}
	if !who.CanSeeRequest(r) {
		return nil, domain.ErrNotFound
	}
	all, err := s.store.PraticaRequests(ctx, r.PraticaID, maxPrevious+1)
	if err != nil {
		return nil, err
	}
	d := &RequestDetail{Request: r, Messages: msgs}
	// all is newest first: the earlier requests are those after r.
	seen := false
	for _, o := range all {
		if seen {
			d.Previous = append(d.Previous, o)
		}
		seen = seen || o.ID == r.ID
	}
	if len(d.Previous) > maxPrevious {
		d.Previous = d.Previous[:maxPrevious]
	}
	d.allowPost(who)
	return d, nil
}

// allowPost says whether who may post to d's thread, and why not.
func (d *RequestDetail) allowPost(who domain.Principal) {
	if err := domain.CanPost(who, d.Request); err != nil {
		d.NoPostWhy, _ = domain.AsError(err)
	} else {
		d.CanPost = true
	}
}

// PraticaRequests returns a pratica's requests, newest first (the live one,
// if any, is the first).
func (s *Service) PraticaRequests(ctx context.Context, who domain.Principal, id string) ([]domain.Request, error) {
	if who.Role == domain.RoleAdmin {
		return nil, domain.ErrForbidden
	}
	if _, err := s.visiblePratica(ctx, who, id, true); err != nil {
		return nil, err
	}
	return s.store.PraticaRequests(ctx, id, maxPrevious+1)
}

// PostMessage adds a message to request id's thread.
func (s *Service) PostMessage(ctx context.Context, who domain.Principal, id, subject, body string) (*domain.Message, error) {
	r, err := s.visibleRequest(ctx, who, id)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	m, err := domain.NewMessage(who, r, subject, body, now)
	if err != nil {
		return nil, err
	}
	h := domain.NewHistory(r.PraticaID, who, domain.OpMessageSent, m.Subject, now)
	ev := domain.MessagePostedEvent(m, who.Role, now)
	if err := s.store.AddMessage(ctx, r, m, h, ev); err != nil {
		return nil, err
	}
	return m, nil
}

// ListRequests returns a page of the Videoconferenza list, scoped to what the
// caller may see: an operator's office, a basin operator's basin, everything
// for the service.
func (s *Service) ListRequests(ctx context.Context, who domain.Principal, q store.ListQuery) (store.RequestPage, error) {
	switch who.Role {
	case domain.RoleSuapOperator:
		if q.OfficeID != "" && q.OfficeID != who.OfficeID {
			return store.RequestPage{}, nil // another office's list is empty to them
		}
		q.OfficeID = who.OfficeID
	case domain.RoleBasinOperator:
		q.BasinID = who.BasinID
	case domain.RoleManager:
	default:
		return store.RequestPage{}, domain.ErrForbidden
	}
	return s.store.ListRequests(ctx, q)
}

// Communication is one entry of a pratica's Comunicazioni: a booking request
// or a message of its thread.
type Communication struct {
	RequestID  string
	At         time.Time
	SenderName string
	SenderRole domain.Role
	Subject    string
	Body       string
	// Kind is "request" or "message".
	Kind string
	// State is the request's state when it was written.
	State domain.State
}

// Communications returns the pratica's communications, newest first: its
// booking requests and their threads (the pratica, then one Query for all).
func (s *Service) Communications(ctx context.Context, who domain.Principal, id string) ([]Communication, error) {
	if who.Role == domain.RoleAdmin {
		return nil, domain.ErrForbidden
	}
	if _, err := s.visiblePratica(ctx, who, id, true); err != nil {
		return nil, err
	}
	threads, err := s.store.PraticaThreads(ctx, id, maxPrevious+1)
	if err != nil {
		return nil, err
	}
	// Built newest first (requests newest first, each thread from its last
	// message back to the request), so equal times keep that order.
	var out []Communication
	for _, t := range threads {
		r, msgs := t.Request, t.Messages
		for i := len(msgs) - 1; i >= 0; i-- {
			m := msgs[i]
			out = append(out, Communication{RequestID: r.ID, At: m.At, SenderName: m.SenderName,
				SenderRole: m.SenderRole, Subject: m.Subject, Body: m.Body, Kind: "message", State: m.StateAtSend})
		}
		out = append(out, Communication{RequestID: r.ID, At: r.CreatedAt, SenderName: r.CreatedByName,
			SenderRole: r.CreatedByRole, Subject: r.Subject, Kind: "request", State: domain.StateOpen})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, nil
}
