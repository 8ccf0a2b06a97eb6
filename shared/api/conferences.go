package api

import (
	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/workdays"
)

// DirectoryBody creates or changes an entry of the bodies directory
// (PUT /bodies/{bodyId}); at least one of pec and email. PUT replaces: every
// field is required ("" for none).
type DirectoryBody struct {
	Name  string `json:"name"`
	PEC   string `json:"pec"`
	Email string `json:"email"`
}

// DirectoryBodyView is an entry of the bodies directory.
type DirectoryBodyView struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	PEC     string `json:"pec,omitempty"`
	Email   string `json:"email,omitempty"`
	Version int64  `json:"version"`
}

// NewDirectoryBodyView renders b.
func NewDirectoryBodyView(b *domain.Body) DirectoryBodyView {
	return DirectoryBodyView{ID: b.ID, Name: b.Name, PEC: b.PEC, Email: b.Email, Version: b.Version}
}

// DirectoryBodyList is the whole directory, by id.
type DirectoryBodyList struct {
	Items []DirectoryBodyView `json:"items"`
}

// NewConferenceBody creates a conference of a pratica.
type NewConferenceBody struct {
	Type               string `json:"type"`
	SensitiveInterests bool   `json:"sensitiveInterests,omitempty"`
	// ApplicationDate is the date of the application, when known: the
	// asynchronous convocation term runs from it.
	ApplicationDate *workdays.Date `json:"applicationDate,omitempty"`
	StartDate       workdays.Date  `json:"startDate"`
}

// Input converts the body to the domain's input.
func (b NewConferenceBody) Input() domain.NewConferenceInput {
	in := domain.NewConferenceInput{Type: domain.ConferenceType(b.Type), SensitiveInterests: b.SensitiveInterests, StartDate: b.StartDate}
	if b.ApplicationDate != nil {
		in.ApplicationDate = *b.ApplicationDate
	}
	return in
}

// DeadlineView is one legal deadline of a conference.
type DeadlineView struct {
	Kind     string        `json:"kind"`
	Label    string        `json:"label"`
	From     workdays.Date `json:"from"`
	Due      workdays.Date `json:"due"`
	DueLabel string        `json:"dueLabel"`
	// Rolled: the term ended on a holiday or weekend and moved to the next
	// working day.
	Rolled bool `json:"rolled"`
}

// ConferenceView is a conference with its deadlines and sessions.
type ConferenceView struct {
	ID                 string         `json:"id"`
	PraticaID          string         `json:"praticaId"`
	Type               string         `json:"type"`
	TypeLabel          string         `json:"typeLabel"`
	SensitiveInterests bool           `json:"sensitiveInterests"`
	ApplicationDate    *workdays.Date `json:"applicationDate,omitempty"`
	StartDate          workdays.Date  `json:"startDate"`
	StartDateLabel     string         `json:"startDateLabel"`
	EndDate            *workdays.Date `json:"endDate,omitempty"`
	EndDateLabel       string         `json:"endDateLabel,omitempty"`
	Outcome            string         `json:"outcome,omitempty"`
	OutcomeLabel       string         `json:"outcomeLabel,omitempty"`
	ClosingFileKey     string         `json:"closingFileKey,omitempty"`
	SessionCount       int            `json:"sessionCount"`
	FirstMeeting       *workdays.Date `json:"firstMeeting,omitempty"`
	Deadlines          []DeadlineView `json:"deadlines"`
	Sessions           []SessionView  `json:"sessions"`
	Version            int64          `json:"version"`
}

func optDate(d workdays.Date) *workdays.Date {
	if d.IsZero() {
		return nil
	}
	return &d
}

// NewConferenceView renders d.
func NewConferenceView(d *app.ConferenceDetail) ConferenceView {
	c := &d.Conference
	v := ConferenceView{ID: c.ID, PraticaID: c.PraticaID, Type: string(c.Type), TypeLabel: c.Type.Label(),
		SensitiveInterests: c.SensitiveInterests, ApplicationDate: optDate(c.ApplicationDate),
		StartDate: c.StartDate, StartDateLabel: c.StartDate.Italian(), EndDate: optDate(c.EndDate),
		Outcome: string(c.Outcome), ClosingFileKey: c.ClosingFileKey, SessionCount: c.SessionCount,
		FirstMeeting: optDate(c.FirstMeeting), Deadlines: []DeadlineView{}, Sessions: []SessionView{}, Version: c.Version}
	if !c.EndDate.IsZero() {
		v.EndDateLabel = c.EndDate.Italian()
	}
	if c.Closed() {
		v.OutcomeLabel = c.Outcome.Label()
	}
	for _, dl := range d.Deadlines {
		v.Deadlines = append(v.Deadlines, DeadlineView{Kind: string(dl.Kind), Label: dl.Label, From: dl.From, Due: dl.Due,
			DueLabel: dl.Due.Italian(), Rolled: dl.Rolled})
	}
	for i := range d.Sessions {
		v.Sessions = append(v.Sessions, NewSessionView(&d.Sessions[i]))
	}
	return v
}

// ConferenceList is a pratica's conferences, oldest first.
type ConferenceList struct {
	Items []ConferenceView `json:"items"`
}

// ConveneBody convenes a session of a conference.
type ConveneBody struct {
	Start Instant `json:"start"`
	// Place defaults to "Videoconferenza" when an accepted booking of the
	// pratica covers start.
	Place              string   `json:"place,omitempty"`
	ConvocationFileKey string   `json:"convocationFileKey"`
	BodyIDs            []string `json:"bodyIds"`
}

// Input converts the body to the domain's input.
func (b ConveneBody) Input() domain.ConveneInput {
	return domain.ConveneInput{Start: b.Start.Time, Place: b.Place, ConvocationFileKey: b.ConvocationFileKey, BodyIDs: b.BodyIDs}
}

// ConvokedBodyView is a body as convened.
type ConvokedBodyView struct {
	BodyID string `json:"bodyId"`
	Name   string `json:"name"`
	PEC    string `json:"pec,omitempty"`
	Email  string `json:"email,omitempty"`
}

// SessionView is a session (seduta) of a conference.
type SessionView struct {
	ID                 string             `json:"id"`
	ConferenceID       string             `json:"conferenceId"`
	Seq                int                `json:"seq"`
	Start              Instant            `json:"start"`
	StartLabel         string             `json:"startLabel"`
	Place              string             `json:"place"`
	State              string             `json:"state"`
	StateLabel         string             `json:"stateLabel"`
	ConvocationFileKey string             `json:"convocationFileKey,omitempty"`
	ClosingFileKey     string             `json:"closingFileKey,omitempty"`
	Bodies             []ConvokedBodyView `json:"bodies"`
	BookingRequestID   string             `json:"bookingRequestId,omitempty"`
	Meeting            *MeetingView       `json:"meeting,omitempty"`
	CreatedAt          Instant            `json:"createdAt"`
	UpdatedAt          Instant            `json:"updatedAt"`
	Version            int64              `json:"version"`
}

// NewSessionView renders s.
func NewSessionView(s *domain.Session) SessionView {
	v := SessionView{ID: s.ID, ConferenceID: s.ConferenceID, Seq: s.Seq, Start: Instant{s.Start}, StartLabel: domain.FormatRome(s.Start),
		Place: s.Place, State: string(s.State), StateLabel: s.State.Label(), ConvocationFileKey: s.ConvocationFileKey,
		ClosingFileKey: s.ClosingFileKey, Bodies: []ConvokedBodyView{}, BookingRequestID: s.BookingRequestID,
		CreatedAt: Instant{s.CreatedAt}, UpdatedAt: Instant{s.UpdatedAt}, Version: s.Version}
	for _, b := range s.Bodies {
		v.Bodies = append(v.Bodies, ConvokedBodyView(b))
	}
	if m := s.Meeting; m != nil {
		v.Meeting = &MeetingView{RoomID: m.RoomID, Code: m.Code, Password: m.Password, Link: m.Link}
	}
	return v
}

// SessionList is a conference's sessions, in order.
type SessionList struct {
	Items []SessionView `json:"items"`
}

// SessionStateBody marks a session SVOLTA or ANNULLATA; with SVOLTA it may
// carry the session's closing file (verbale), also later, on a held session
// without one.
type SessionStateBody struct {
	State          string `json:"state"`
	ClosingFileKey string `json:"closingFileKey,omitempty"`
}

// CloseConferenceBody concludes a conference: its outcome, its end date and,
// optionally, the closing act uploaded through POST …/files.
type CloseConferenceBody struct {
	Outcome        string        `json:"outcome"`
	EndDate        workdays.Date `json:"endDate"`
	ClosingFileKey string        `json:"closingFileKey,omitempty"`
}

// Input converts the body to the domain's input.
func (b CloseConferenceBody) Input() domain.CloseConferenceInput {
	return domain.CloseConferenceInput{Outcome: domain.ConferenceOutcome(b.Outcome), EndDate: b.EndDate, ClosingFileKey: b.ClosingFileKey}
}

// ConferenceFileBody declares the type of a conference file to upload
// (convocation or closing).
type ConferenceFileBody struct {
	ContentType string `json:"contentType"`
}

// ConferenceFileUploadView is a pre-signed POST of a conference file: post a
// multipart/form-data form to URL with every field of Fields, then the file
// as field "file" (last).
type ConferenceFileUploadView struct {
	URL       string            `json:"url"`
	Fields    map[string]string `json:"fields"`
	Key       string            `json:"key"`
	MaxBytes  int64             `json:"maxBytes"`
	ExpiresAt Instant           `json:"expiresAt"`
}

// NewConferenceFileUploadView renders f.
func NewConferenceFileUploadView(f *app.UploadForm) ConferenceFileUploadView {
	return ConferenceFileUploadView{URL: f.URL, Fields: f.Fields, Key: f.Key, MaxBytes: f.MaxBytes, ExpiresAt: Instant{f.ExpiresAt}}
}
