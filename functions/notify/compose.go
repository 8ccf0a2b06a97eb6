package notify

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/mail"
	"suapcds/shared/s3get"
	"suapcds/shared/signedlink"
	"suapcds/shared/store"
	"suapcds/shared/workdays"
)

//go:embed templates/mail.txt.tmpl templates/mail.html.tmpl
var templateFS embed.FS

var (
	textTemplates = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/mail.txt.tmpl"))
	htmlTemplates = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/mail.html.tmpl"))
)

// mailKind names one of the mails (docs/rules.md §3); each is a block of both
// template files.
type mailKind string

// The mails notify sends.
const (
	mailNewRequest     mailKind = "nuova-richiesta"
	mailToService      mailKind = "messaggio-al-servizio"
	mailToRequester    mailKind = "messaggio-al-richiedente"
	mailConfirmed      mailKind = "conferma"
	mailUnavailable    mailKind = "non-disponibile"
	mailCancelled      mailKind = "annullata"
	mailRecordingReady mailKind = "registrazione-disponibile"
	mailStateChanged   mailKind = "stato-aggiornato"
	mailRemindAnswer   mailKind = "sollecito-risposta"
	mailRemindRecord   mailKind = "sollecito-registrazione"
	mailConvocation    mailKind = "convocazione"
)

const (
	// icsUIDDomain makes an invitation's UID: <requestId>@suapcds.
	icsUIDDomain    = "suapcds"
	maxSubjectRunes = 200
)

// skipError is a mail that can never be sent (unknown kind, missing data):
// the outbox item is marked SKIPPED with reason instead of being retried.
type skipError struct {
	reason string
	err    error
}

func (e *skipError) Error() string { return e.reason + ": " + e.err.Error() }
func (e *skipError) Unwrap() error { return e.err }

func skip(reason string, err error) error { return &skipError{reason: reason, err: err} }

// mailData is what the templates read.
type mailData struct {
	ServiceName   string
	Office        string
	PraticaNumber string
	Subject       string
	Start         string
	Duration      string
	Recording     bool
	Requester     string
	RequestEmail  string
	State         string
	Assignee      string
	Reason        string
	Link          string
	LinkExpiry    string
	// Due is a reminder's date (dd-mm-yyyy), when the event names one.
	Due     string
	Message *messageData
	Meeting *domain.Meeting
	// Convocation is the session a body is convened to (session_convened).
	Convocation *convocationData
}

type convocationData struct {
	Body, Place, Type string
	Seq               int
	// The convocation file: attached (FileName), or linked (FileLink, valid
	// until FileLinkExpiry) when TooLarge (FileSize as people read it) or
	// not readable from here.
	FileName       string
	Attached       bool
	TooLarge       bool
	FileLink       string
	FileLinkExpiry string
	FileSize       string
}

type messageData struct {
	Subject, Body, Sender string
}

// composed is a mail ready to send, and what to log about it.
type composed struct {
	kind mailKind
	msg  *mail.Message
}

// compose builds the mail of outbox item ob at now. A *skipError means it
// can never be built; any other error may pass on retry.
func (h *Handler) compose(ctx context.Context, ob *store.OutboxItem, now time.Time) (*composed, error) {
	kind := domain.EventKind(ob.Kind)
	if kind == domain.EventSessionConvened {
		return h.convocation(ctx, ob, now)
	}
	switch kind {
	case domain.EventRequestCreated, domain.EventMessagePosted, domain.EventStateChanged,
		domain.EventReminderUnanswered, domain.EventReminderRecording:
	default:
		return nil, skip("unknown_kind", fmt.Errorf("no mail for event kind %q", ob.Kind))
	}
	if ob.SubjectID == "" {
		return nil, skip("no_request", errors.New("the event names no request"))
	}
	r, err := h.d.Store.GetRequest(ctx, ob.SubjectID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, skip("request_not_found", err)
	}
	if err != nil {
		return nil, err
	}
	office, err := h.d.Store.GetOffice(ctx, r.OfficeID)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return nil, err
	}
	d := h.baseData(r, office)

	switch kind {
	case domain.EventRequestCreated:
		h.addLink(&d, r.ID, now)
		subject := fmt.Sprintf("Nuova richiesta di videoconferenza – %s – pratica %s – %s", d.Office, d.PraticaNumber, d.Start)
		return h.toService(ob, r, office, d, mailNewRequest, subject, now)

	case domain.EventMessagePosted:
		mp := domain.ReadMessagePosted(ob.Data, ob.Seq)
		m, err := h.message(ctx, r.ID, mp.Seq)
		if err != nil {
			return nil, err
		}
		d.Message = &messageData{Subject: m.Subject, Body: m.Body, Sender: m.SenderName}
		role := mp.SenderRole
		if role == "" {
			role = m.SenderRole
		}
		if role == domain.RoleManager {
			subject := fmt.Sprintf("Videoconferenza pratica %s: %s", d.PraticaNumber, m.Subject)
			return h.toRequester(ob, r, d, mailToRequester, subject, nil, now)
		}
		// A requester's message goes to the service mailbox: the assignee
		// has no mailbox of their own in this system yet.
		h.addLink(&d, r.ID, now)
		subject := fmt.Sprintf("Nuovo messaggio – %s – pratica %s: %s", d.Office, d.PraticaNumber, m.Subject)
		return h.toService(ob, r, office, d, mailToService, subject, now)

	case domain.EventReminderUnanswered:
		h.addLink(&d, r.ID, now)
		d.Due = italianDate(domain.ReadReminderUnanswered(ob.Data))
		subject := fmt.Sprintf("Sollecito: richiesta di videoconferenza senza risposta – %s – pratica %s – %s", d.Office, d.PraticaNumber, d.Start)
		return h.toService(ob, r, office, d, mailRemindAnswer, subject, now)

	case domain.EventReminderRecording:
		h.addLink(&d, r.ID, now)
		d.Due = italianDate(domain.ReadReminderRecording(ob.Data))
		subject := fmt.Sprintf("Sollecito: registrazione da acquisire – %s – pratica %s – %s", d.Office, d.PraticaNumber, d.Start)
		return h.toService(ob, r, office, d, mailRemindRecord, subject, now)

	default: // domain.EventStateChanged
		sc := domain.ReadStateChanged(ob.Data)
		from, to := sc.From, sc.To
		if to == "" {
			to = r.State
		}
		d.State = to.Label()
		d.Reason = r.StateReason
		switch {
		case accepted(r, from, to):
			d.Meeting = r.Meeting
			subject := fmt.Sprintf("Videoconferenza confermata – pratica %s – %s", d.PraticaNumber, d.Start)
			return h.toRequester(ob, r, d, mailConfirmed, subject, h.invitation(ob, r, d, now, false), now)
		case to == domain.StateUnavailable && (from == domain.StateProcessing || from == "" && r.Meeting != nil):
			d.Meeting = r.Meeting
			subject := fmt.Sprintf("Videoconferenza annullata – pratica %s – %s", d.PraticaNumber, d.Start)
			return h.toRequester(ob, r, d, mailCancelled, subject, h.invitation(ob, r, d, now, true), now)
		case to == domain.StateUnavailable:
			subject := fmt.Sprintf("Videoconferenza non disponibile – pratica %s", d.PraticaNumber)
			return h.toRequester(ob, r, d, mailUnavailable, subject, nil, now)
		case to == domain.StateDone && from == domain.StateProcessing:
			subject := fmt.Sprintf("Registrazione disponibile – videoconferenza pratica %s", d.PraticaNumber)
			return h.toRequester(ob, r, d, mailRecordingReady, subject, nil, now)
		default:
			subject := fmt.Sprintf("Richiesta di videoconferenza – pratica %s: %s", d.PraticaNumber, d.State)
			return h.toRequester(ob, r, d, mailStateChanged, subject, nil, now)
		}
	}
}

// convocation composes the convocation of one body to a session (docs/rules.md §4):
// the outbox item names the session (RequestID), its conference and the
// body (Data). It goes to the body's PEC, else its e-mail, as the office
// sends it (Reply-To the office), with the meeting's date and time and, when
// a videoconference booking covers it, its code, password and link.
func (h *Handler) convocation(ctx context.Context, ob *store.OutboxItem, now time.Time) (*composed, error) {
	sc := domain.ReadSessionConvened(ob.Data)
	confID, bodyID := sc.ConferenceID, sc.BodyID
	if ob.PraticaID == "" || ob.SubjectID == "" || confID == "" || bodyID == "" {
		return nil, skip("no_session", errors.New("the event names no session, conference or body"))
	}
	x, err := h.d.Store.GetSession(ctx, ob.PraticaID, confID, ob.SubjectID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, skip("session_not_found", err)
	}
	if err != nil {
		return nil, err
	}
	var body *domain.ConvokedBody
	for i := range x.Bodies {
		if x.Bodies[i].BodyID == bodyID {
			body = &x.Bodies[i]
		}
	}
	if body == nil {
		return nil, skip("body_not_found", fmt.Errorf("session %s convenes no body %s", x.ID, bodyID))
	}
	if x.State == domain.SessionCancelled {
		// Cancelled before its convocation went out (a retried mail): a
		// convocation now would only mislead, and its link answers 410.
		return nil, skip("session_cancelled", fmt.Errorf("session %s was cancelled", x.ID))
	}
	to := body.PEC
	if to == "" {
		to = body.Email
	}
	if to == "" {
		return nil, skip("no_recipient", fmt.Errorf("body %s has no address", bodyID))
	}
	p, err := h.d.Store.GetPratica(ctx, ob.PraticaID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, skip("pratica_not_found", err)
	}
	if err != nil {
		return nil, err
	}
	c, err := h.d.Store.GetConference(ctx, ob.PraticaID, confID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, skip("conference_not_found", err)
	}
	if err != nil {
		return nil, err
	}
	office, err := h.d.Store.GetOffice(ctx, p.OfficeID)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return nil, err
	}
	d := mailData{ServiceName: h.serviceName, Office: "Ufficio SUAP " + p.OfficeID, PraticaNumber: p.Number,
		Start: domain.FormatRome(x.Start), Meeting: x.Meeting,
		Convocation: &convocationData{Body: body.Name, Place: x.Place, Type: c.Type.Label(), Seq: x.Seq}}
	replyTo := h.d.ServiceMailbox
	if office != nil {
		d.Office = office.Name
		if a := officeAddress(&domain.Request{}, office); a != "" {
			replyTo = a
		}
	}
	m := &mail.Message{
		From:    mail.Address{Name: d.Office + " tramite " + h.serviceName, Email: h.d.MailFrom},
		ReplyTo: []mail.Address{{Name: d.Office, Email: replyTo}},
		To:      []mail.Address{{Name: body.Name, Email: to}},
	}
	if err := h.convocationFile(ctx, p, x, m, d.Convocation); err != nil {
		return nil, err
	}
	subject := fmt.Sprintf("Convocazione conferenza di servizi – pratica %s – seduta del %s", d.PraticaNumber, d.Start)
	return h.finish(ob, x.ID, m, d, mailConvocation, subject, now)
}

// convocationLinkDays is how many days after its session a convocation's
// download link works.
const convocationLinkDays = 30

// convocationFile attaches the session's convocation file to m, or, when it
// is over AttachMaxBytes (or cannot be read from here), puts in c a signed
// link to the manager's download route, which presigns a fresh GET at each
// click: a pre-signed S3 URL made here would die with this function's
// temporary credentials, within hours. A failed read is retried.
func (h *Handler) convocationFile(ctx context.Context, p *domain.Pratica, x *domain.Session, m *mail.Message, c *convocationData) error {
	if x.ConvocationFileKey == "" {
		return nil
	}
	c.FileName = domain.ConvocationFileName(p.Number, x.Seq, "")
	if h.d.Files != nil {
		data, info, err := h.d.Files.Read(ctx, x.ConvocationFileKey, h.d.AttachMaxBytes)
		ct := info.ContentType
		if ct == "" {
			// Checked when convening; a type lost since must not make the
			// mail unsendable (go-mail needs one).
			ct = "application/octet-stream"
		}
		switch {
		case err == nil && len(data) > 0:
			c.FileName = domain.ConvocationFileName(p.Number, x.Seq, ct)
			c.Attached = true
			m.Attachments = append(m.Attachments, mail.Attachment{Name: c.FileName, ContentType: ct, Data: data})
			return nil
		case errors.Is(err, s3get.ErrTooLarge):
			c.FileName = domain.ConvocationFileName(p.Number, x.Seq, ct)
			c.TooLarge, c.FileSize = true, domain.SizeLabel(info.Size)
		case errors.Is(err, domain.ErrNotFound), err == nil:
			h.log.WarnContext(ctx, "convocation file missing: sending its link", "session", x.ID)
		default:
			return fmt.Errorf("read convocation file: %w", err)
		}
	}
	// 30 days after the session (a future one: convening refuses a past
	// time), on Rome's calendar: the same hour across a DST change.
	expiry := x.Start.In(clock.Rome).AddDate(0, 0, convocationLinkDays)
	tok := h.d.Links.SignUntil(signedlink.Convocation, signedlink.ConvocationSubject(p.ID, x.ConferenceID, x.ID), expiry)
	c.FileLink = signedlink.ConvocationURL(h.baseURL, p.ID, x.ConferenceID, x.ID, tok)
	c.FileLinkExpiry = domain.FormatRome(expiry)
	return nil
}

// accepted tells a change that accepted the request: APERTA to
// IN_ELABORAZIONE (with recording) or to EVASA (without). An event that
// lacks "from" is judged by the request.
func accepted(r *domain.Request, from, to domain.State) bool {
	if from == "" {
		return to == domain.StateProcessing || to == domain.StateDone && !r.Recording
	}
	return from == domain.StateOpen && (to == domain.StateProcessing || to == domain.StateDone)
}

// message finds message seq of the request's thread.
func (h *Handler) message(ctx context.Context, requestID string, seq int) (*domain.Message, error) {
	msgs, err := h.d.Store.Messages(ctx, requestID)
	if err != nil {
		return nil, err
	}
	for i := range msgs {
		if msgs[i].Seq == seq {
			return &msgs[i], nil
		}
	}
	return nil, skip("message_not_found", fmt.Errorf("request %s has no message %d", requestID, seq))
}

func (h *Handler) baseData(r *domain.Request, office *domain.Office) mailData {
	name := r.OfficeName
	if name == "" && office != nil {
		name = office.Name
	}
	if name == "" {
		name = "Ufficio SUAP " + r.OfficeID
	}
	return mailData{
		ServiceName:   h.serviceName,
		Office:        name,
		PraticaNumber: r.PraticaNumber,
		Subject:       r.Subject,
		Start:         domain.FormatRome(r.Start),
		Duration:      domain.DurationLabel(r.DurationMinutes),
		Recording:     r.Recording,
		Requester:     r.CreatedByName,
		RequestEmail:  r.Email,
		Assignee:      r.AssigneeName,
	}
}

// addLink puts the manager's signed link to the request's page in d. The
// token is a credential: it goes into the mail and nowhere else.
func (h *Handler) addLink(d *mailData, requestID string, now time.Time) {
	token := h.d.Links.Sign(signedlink.Answer, requestID, now)
	d.Link = signedlink.AnswerURL(h.baseURL, requestID, token)
	d.LinkExpiry = domain.FormatRome(now.Add(h.d.Links.TTL()))
}

// officeAddress is the office's PEC, else its e-mail, else the request's.
func officeAddress(r *domain.Request, office *domain.Office) string {
	if office != nil {
		if office.PEC != "" {
			return office.PEC
		}
		if office.Email != "" {
			return office.Email
		}
	}
	return r.Email
}

// toService addresses a mail the office originates (a new request, a
// requester's message) to the service mailbox: From carries the office's
// name, Reply-To its PEC (else its e-mail), so answering by mail reaches
// the office.
func (h *Handler) toService(ob *store.OutboxItem, r *domain.Request, office *domain.Office, d mailData, kind mailKind, subject string, now time.Time) (*composed, error) {
	m := &mail.Message{
		From:    mail.Address{Name: d.Office + " tramite " + h.serviceName, Email: h.d.MailFrom},
		ReplyTo: []mail.Address{{Name: d.Office, Email: officeAddress(r, office)}},
		To:      []mail.Address{{Name: h.serviceName, Email: h.d.ServiceMailbox}},
	}
	return h.finish(ob, r.ID, m, d, kind, subject, now)
}

// toRequester addresses a mail the service originates (its messages and
// answers) to the request's e-mail: From and Reply-To are the service's.
func (h *Handler) toRequester(ob *store.OutboxItem, r *domain.Request, d mailData, kind mailKind, subject string, inv *mail.Invitation, now time.Time) (*composed, error) {
	if r.Email == "" {
		return nil, skip("no_recipient", errors.New("the request has no e-mail address"))
	}
	m := &mail.Message{
		From:       mail.Address{Name: h.serviceName, Email: h.d.MailFrom},
		ReplyTo:    []mail.Address{{Name: h.serviceName, Email: h.d.ServiceMailbox}},
		To:         []mail.Address{{Name: d.Office, Email: r.Email}},
		Invitation: inv,
	}
	return h.finish(ob, r.ID, m, d, kind, subject, now)
}

// finish renders the bodies and sets what every mail has: a Message-ID
// derived from the outbox item, the thread reference (the request's or the
// session's id), the date.
func (h *Handler) finish(ob *store.OutboxItem, ref string, m *mail.Message, d mailData, kind mailKind, subject string, now time.Time) (*composed, error) {
	m.Subject = oneLine(subject)
	m.ID = ob.ID + "@" + h.idDomain
	m.References = []string{ref + "@" + h.idDomain}
	m.Date = now
	var text bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, string(kind), d); err != nil {
		return nil, fmt.Errorf("notify: text template %s: %w", kind, err)
	}
	var body bytes.Buffer
	if err := htmlTemplates.ExecuteTemplate(&body, string(kind), d); err != nil {
		return nil, fmt.Errorf("notify: html template %s: %w", kind, err)
	}
	var page bytes.Buffer
	err := htmlTemplates.ExecuteTemplate(&page, "layout", struct {
		Title, ServiceName string
		Body               htmltemplate.HTML
	}{m.Subject, h.serviceName, htmltemplate.HTML(body.String())}) // rendered, and escaped, by html/template just above
	if err != nil {
		return nil, fmt.Errorf("notify: html layout: %w", err)
	}
	m.Text, m.HTML = text.String(), page.String()
	return &composed{kind: kind, msg: m}, nil
}

// invitation is the calendar invitation (or cancellation) of an accepted
// request's meeting; nil when the request has no meeting data.
func (h *Handler) invitation(ob *store.OutboxItem, r *domain.Request, d mailData, now time.Time, cancelled bool) *mail.Invitation {
	mt := r.Meeting
	if mt == nil {
		return nil
	}
	seq := int(ob.Seq) // the request's version after the change: grows with every change
	if seq <= 0 {
		seq = int(r.Version)
	}
	desc := fmt.Sprintf("Videoconferenza della conferenza di servizi sincrona per la pratica n. %s (%s).\nOggetto: %s\n\nLink della riunione: %s\nCodice riunione: %s\nPassword: %s",
		d.PraticaNumber, d.Office, d.Subject, mt.Link, mt.Code, mt.Password)
	return &mail.Invitation{
		UID:         r.ID + "@" + icsUIDDomain,
		Sequence:    seq,
		Stamp:       now,
		Start:       r.Start,
		Duration:    time.Duration(r.DurationMinutes) * time.Minute,
		Summary:     oneLine(fmt.Sprintf("Conferenza di servizi – pratica %s – %s", d.PraticaNumber, d.Subject)),
		Description: desc,
		Location:    mt.Link,
		URL:         mt.Link,
		Organizer:   mail.Address{Name: h.serviceName, Email: h.d.MailFrom},
		Attendees:   []mail.Address{{Name: d.Office, Email: r.Email}},
		Cancelled:   cancelled,
	}
}

// italianDate turns "2006-01-02" into "02-01-2006"; anything else is "".
func italianDate(d workdays.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d-%02d-%04d", d.Day, int(d.Month), d.Year)
}

// oneLine makes s a single header line of at most maxSubjectRunes runes.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxSubjectRunes {
		s = string(r[:maxSubjectRunes-1]) + "…"
	}
	return s
}
