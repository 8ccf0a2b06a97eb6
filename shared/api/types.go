// Package api is the JSON contract of the HTTP API: request bodies, the views
// returned, and their conversion from the domain. openapi.yaml beside it
// documents the same shapes; tests validate every response against it.
//
// In a request body type, a field without "omitempty" in its json tag is
// required: httpapi.DecodeJSON refuses a body that lacks it or sets it to
// null (422 invalid_input, the field "required"), so a missing list or
// boolean never reads as an empty one. PUT bodies are full representations:
// every field is required.
package api

import (
	"bytes"
	"encoding/json"
	"time"

	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/histchain"
	"suapcds/shared/workdays"
)

// Instant is an RFC 3339 timestamp with an explicit offset. Decoding anything
// else is an Italian error naming the expected form.
type Instant struct{ time.Time }

// ErrInvalidDateTime is a malformed timestamp in a body.
var ErrInvalidDateTime = &domain.Error{Kind: domain.KindInvalid, Code: "invalid_datetime",
	Detail: "Data e ora non valide: usare il formato RFC 3339 con il fuso orario, ad esempio 2026-03-11T10:00:00+01:00.",
	// The only timestamp a body carries is the meeting's start.
	Fields: []domain.FieldError{{Field: "start", Code: "invalid_datetime", Detail: "Indicare la data e l'ora con il fuso orario, ad esempio 2026-03-11T10:00:00+01:00."}}}

// UnmarshalJSON accepts a JSON string in RFC 3339 form, or null.
func (i *Instant) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		i.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return ErrInvalidDateTime
	}
	if s == "" {
		i.Time = time.Time{} // as absent: the domain reports the required field
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return ErrInvalidDateTime
	}
	if !workdays.DateOf(t).InWindow() {
		// The only timestamp a body carries is the meeting's start.
		return domain.DateOutOfRange("start")
	}
	i.Time = t
	return nil
}

// MarshalJSON writes the instant in RFC 3339, in Europe/Rome's offset.
func (i Instant) MarshalJSON() ([]byte, error) {
	if i.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(rfc3339(i.Time))
}

func rfc3339(t time.Time) string { return t.In(clock.Rome).Format(time.RFC3339) }

// BodyRef names one office of a third-party body.
type BodyRef struct {
	BodyID   string `json:"bodyId"`
	OfficeID string `json:"officeId"`
	Name     string `json:"name,omitempty"`
}

func bodies(refs []BodyRef) []domain.BodyOffice {
	out := make([]domain.BodyOffice, len(refs))
	for i, b := range refs {
		out[i] = domain.BodyOffice{BodyID: b.BodyID, OfficeID: b.OfficeID, Name: b.Name}
	}
	return out
}

// Bodies converts body references to the domain's.
func Bodies(refs []BodyRef) []domain.BodyOffice { return bodies(refs) }

// PraticaBody registers or updates a pratica (PUT /pratiche/{id}): a full
// representation, every field required (bodies [] for none).
type PraticaBody struct {
	Number        string    `json:"number"`
	OfficeID      string    `json:"officeId"`
	ProcedureType string    `json:"procedureType"`
	Bodies        []BodyRef `json:"bodies"`
}

// PraticaView is a pratica as the API shows it.
type PraticaView struct {
	ID                string    `json:"id"`
	Number            string    `json:"number"`
	OfficeID          string    `json:"officeId"`
	BasinID           string    `json:"basinId,omitempty"`
	ProcedureType     string    `json:"procedureType"`
	Bodies            []BodyRef `json:"bodies"`
	CDSConvened       bool      `json:"cdsConvened"`
	VerificationsSent bool      `json:"verificationsSent"`
	// NoCDSReason is shown to SUAP-side operators only.
	NoCDSReason string `json:"noCdsReason,omitempty"`
	Version     int64  `json:"version"`
}

// NewPraticaView renders p; the reason only when showReason.
func NewPraticaView(p *domain.Pratica, showReason bool) PraticaView {
	v := PraticaView{ID: p.ID, Number: p.Number, OfficeID: p.OfficeID, BasinID: p.BasinID,
		ProcedureType: string(p.ProcedureType), Bodies: []BodyRef{}, CDSConvened: p.CDSConvened,
		VerificationsSent: p.VerificationsSent, Version: p.Version}
	for _, b := range p.Bodies {
		v.Bodies = append(v.Bodies, BodyRef(b))
	}
	if showReason {
		v.NoCDSReason = p.NoCDSReason
	}
	return v
}

// CDSCheckBody asks the CDS check for the ticked offices.
type CDSCheckBody struct {
	Bodies []BodyRef `json:"bodies"`
}

// CDSCheckView answers the check.
type CDSCheckView struct {
	CDSRequired     bool   `json:"cdsRequired"`
	Notice          string `json:"notice,omitempty"`
	DistinctBodies  int    `json:"distinctBodies"`
	CDSConvened     bool   `json:"cdsConvened"`
	ReasonRequired  bool   `json:"reasonRequired"`
	ReasonMaxLength int    `json:"reasonMaxLength"`
}

// VerificationsBody sends the verifications.
type VerificationsBody struct {
	Bodies []BodyRef `json:"bodies"`
	Reason string    `json:"reason,omitempty"`
}

// NewRequestBody books a videoconference.
type NewRequestBody struct {
	Start            Instant `json:"start"`
	DurationMinutes  int     `json:"durationMinutes"`
	Email            string  `json:"email,omitempty"`
	Subject          string  `json:"subject"`
	Recording        bool    `json:"recording,omitempty"`
	RecordingConsent bool    `json:"recordingConsent,omitempty"`
}

// Input converts the body to the domain's input.
func (b NewRequestBody) Input() domain.NewRequestInput {
	return domain.NewRequestInput{Start: b.Start.Time, DurationMinutes: b.DurationMinutes, Email: b.Email,
		Subject: b.Subject, Recording: b.Recording, RecordingConsent: b.RecordingConsent}
}

// Person is someone who acted.
type Person struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	Role string `json:"role,omitempty"`
}

// MeetingView is the meeting data the service gave.
type MeetingView struct {
	RoomID   string `json:"roomId,omitempty"`
	Code     string `json:"code"`
	Password string `json:"password"`
	Link     string `json:"link"`
}

// RequestView is a booking request as the API shows it. The *Label fields
// are what people read (Europe/Rome, Italian).
type RequestView struct {
	ID               string       `json:"id"`
	PraticaID        string       `json:"praticaId"`
	PraticaNumber    string       `json:"praticaNumber"`
	OfficeID         string       `json:"officeId"`
	OfficeName       string       `json:"officeName"`
	BasinID          string       `json:"basinId,omitempty"`
	CreatedBy        Person       `json:"createdBy"`
	CreatedAt        Instant      `json:"createdAt"`
	CreatedAtLabel   string       `json:"createdAtLabel"`
	Start            Instant      `json:"start"`
	StartLabel       string       `json:"startLabel"`
	End              Instant      `json:"end"`
	DurationMinutes  int          `json:"durationMinutes"`
	DurationLabel    string       `json:"durationLabel"`
	Email            string       `json:"email"`
	Subject          string       `json:"subject"`
	Recording        bool         `json:"recording"`
	RecordingConsent bool         `json:"recordingConsent"`
	State            string       `json:"state"`
	StateLabel       string       `json:"stateLabel"`
	Final            bool         `json:"final"`
	Assignee         *Person      `json:"assignee,omitempty"`
	Meeting          *MeetingView `json:"meeting,omitempty"`
	StateReason      string       `json:"stateReason,omitempty"`
	MessageCount     int          `json:"messageCount"`
	UpdatedAt        Instant      `json:"updatedAt"`
	Version          int64        `json:"version"`
	// ReadOnly: the caller may only read it (a SUAP operator on a request
	// the basin operator created).
	ReadOnly bool `json:"readOnly"`
}

// NewRequestView renders r for who.
func NewRequestView(r *domain.Request, who domain.Principal) RequestView {
	v := RequestView{
		ID: r.ID, PraticaID: r.PraticaID, PraticaNumber: r.PraticaNumber, OfficeID: r.OfficeID,
		OfficeName: r.OfficeName, BasinID: r.BasinID,
		CreatedBy:      Person{ID: r.CreatedBy, Name: r.CreatedByName, Role: string(r.CreatedByRole)},
		CreatedAt:      Instant{r.CreatedAt},
		CreatedAtLabel: domain.FormatRome(r.CreatedAt),
		Start:          Instant{r.Start}, StartLabel: domain.FormatRome(r.Start), End: Instant{r.End()},
		DurationMinutes: r.DurationMinutes, DurationLabel: domain.DurationLabel(r.DurationMinutes),
		Email: r.Email, Subject: r.Subject, Recording: r.Recording, RecordingConsent: r.RecordingConsent,
		State: string(r.State), StateLabel: r.State.Label(), Final: r.State.Final(),
		StateReason: r.StateReason, MessageCount: r.MessageCount, UpdatedAt: Instant{r.UpdatedAt}, Version: r.Version,
		ReadOnly: who.Role == domain.RoleSuapOperator && r.CreatedByRole == domain.RoleBasinOperator,
	}
	if r.Assignee != "" {
		v.Assignee = &Person{ID: r.Assignee, Name: r.AssigneeName}
	}
	if m := r.Meeting; m != nil {
		v.Meeting = &MeetingView{RoomID: m.RoomID, Code: m.Code, Password: m.Password, Link: m.Link}
	}
	return v
}

// MessageView is one message of a thread.
type MessageView struct {
	Seq              int     `json:"seq"`
	Sender           Person  `json:"sender"`
	At               Instant `json:"at"`
	AtLabel          string  `json:"atLabel"`
	Subject          string  `json:"subject"`
	Body             string  `json:"body"`
	StateAtSend      string  `json:"stateAtSend"`
	StateAtSendLabel string  `json:"stateAtSendLabel"`
}

// NewMessageView renders m.
func NewMessageView(m *domain.Message) MessageView {
	return MessageView{Seq: m.Seq, Sender: Person{ID: m.SenderID, Name: m.SenderName, Role: string(m.SenderRole)},
		At: Instant{m.At}, AtLabel: domain.FormatRome(m.At), Subject: m.Subject, Body: m.Body,
		StateAtSend: string(m.StateAtSend), StateAtSendLabel: m.StateAtSend.Label()}
}

// MessageBody posts a message to a thread.
type MessageBody struct {
	Subject string `json:"subject"`
	Body    string `json:"body,omitempty"`
}

// Refusal says why an action is not available.
type Refusal struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// RequestDetailView is a request with its thread and earlier requests.
type RequestDetailView struct {
	Request  RequestView   `json:"request"`
	Messages []MessageView `json:"messages"`
	Previous []RequestView `json:"previous"`
	CanPost  bool          `json:"canPost"`
	NoPost   *Refusal      `json:"noPost,omitempty"`
}

// RequestList is a page of requests, newest first.
type RequestList struct {
	Items []RequestView `json:"items"`
	Next  string        `json:"next,omitempty"`
}

// HistoryEntryView is a line of the Storico.
type HistoryEntryView struct {
	Name      string  `json:"name"`
	RoleUnit  string  `json:"roleUnit"`
	Operation string  `json:"operation"`
	Detail    string  `json:"detail,omitempty"`
	RequestID string  `json:"requestId,omitempty"`
	At        Instant `json:"at"`
	AtLabel   string  `json:"atLabel"`
}

// NewHistoryEntryView renders h.
func NewHistoryEntryView(h domain.HistoryEntry) HistoryEntryView {
	return HistoryEntryView{Name: h.ActorName, RoleUnit: h.RoleUnit, Operation: string(h.Operation), Detail: h.Detail,
		RequestID: h.RequestID, At: Instant{h.At}, AtLabel: domain.FormatRomeSeconds(h.At)}
}

// HistoryList is a page of the Storico, oldest first.
type HistoryList struct {
	Items []HistoryEntryView `json:"items"`
	Next  string             `json:"next,omitempty"`
}

// HistoryExport is the whole Storico with its hash chain (GET
// /pratiche/{praticaId}/history/export); the chain's format is histchain's.
type HistoryExport = histchain.Export

// HistoryChainEntry is an entry of a HistoryExport.
type HistoryChainEntry = histchain.Entry

// HistoryChainHead is the head of a HistoryExport's chain.
type HistoryChainHead = histchain.Head

// CommunicationView is an entry of Comunicazioni.
type CommunicationView struct {
	RequestID  string  `json:"requestId"`
	Kind       string  `json:"kind"`
	At         Instant `json:"at"`
	AtLabel    string  `json:"atLabel"`
	Sender     Person  `json:"sender"`
	Subject    string  `json:"subject"`
	Body       string  `json:"body,omitempty"`
	State      string  `json:"state"`
	StateLabel string  `json:"stateLabel"`
}

// CommunicationList is a pratica's communications, newest first.
type CommunicationList struct {
	Items []CommunicationView `json:"items"`
}

// LastDayView tells the last day a request for start can be sent.
type LastDayView struct {
	Start               Instant       `json:"start"`
	LastRequestDay      workdays.Date `json:"lastRequestDay"`
	LastRequestDayLabel string        `json:"lastRequestDayLabel"`
	LeadDays            int           `json:"leadDays"`
	// Open tells whether a request sent now would still be in time.
	Open bool `json:"open"`
	// DefaultEmail is the address a request without "email" gets: the
	// office's, which the booking form pre-fills.
	DefaultEmail string `json:"defaultEmail,omitempty"`
}
