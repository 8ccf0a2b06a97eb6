package domain

import (
	"testing"
	"time"

	"suapcds/shared/workdays"
)

// TestOutboxPayloadsRoundTrip: what each constructor writes, its reader
// reads back; a missing payload reads as the zero value (events written
// before a field was carried).
func TestOutboxPayloadsRoundTrip(t *testing.T) {
	at := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	r := &Request{ID: "r1", PraticaID: "p1", Version: 4, State: StateProcessing}
	m := &Message{RequestID: "r1", Seq: 3}

	if ev := MessagePostedEvent(m, RoleManager, at); ev.Kind != EventMessagePosted || ev.Seq != 3 ||
		ReadMessagePosted(ev.Data, ev.Seq) != (MessagePosted{Seq: 3, SenderRole: RoleManager}) {
		t.Errorf("message posted: %+v", ev)
	}
	if got := ReadMessagePosted(nil, 7); got.Seq != 7 || got.SenderRole != "" {
		t.Errorf("message posted without payload: %+v", got)
	}
	ev := StateChangedEvent(r, StateOpen, ReasonExpired, at)
	if ev.Seq != 5 || ReadStateChanged(ev.Data) != (StateChanged{From: StateOpen, To: StateProcessing, Reason: ReasonExpired}) {
		t.Errorf("state changed: %+v", ev)
	}
	if _, ok := StateChangedEvent(r, StateOpen, "", at).Data["reason"]; ok {
		t.Error("an empty reason is written")
	}
	last := workdays.Date{Year: 2027, Month: 3, Day: 9}
	ev = ReminderUnansweredEvent(r, last, at)
	if ev.SubjectID != "r1" || ev.PraticaID != "p1" || ev.Seq != 1 || ReadReminderUnanswered(ev.Data) != last {
		t.Errorf("reminder unanswered: %+v", ev)
	}
	due := workdays.Date{Year: 2027, Month: 3, Day: 12}
	if ev = ReminderRecordingEvent(r, last, due, at); ReadReminderRecording(ev.Data) != due {
		t.Errorf("reminder recording: %+v", ev)
	}
	if !ReadReminderRecording(nil).IsZero() {
		t.Error("a missing due day is not zero")
	}
	ev = SessionConvenedEvent("c1", "vvf", 2, at)
	if ev.Seq != 2 || ReadSessionConvened(ev.Data) != (Convocation{ConferenceID: "c1", BodyID: "vvf"}) {
		t.Errorf("session convened: %+v", ev)
	}
	if ev := RequestCreatedEvent(at); ev.Kind != EventRequestCreated || ev.Seq != 1 || ev.Data != nil {
		t.Errorf("request created: %+v", ev)
	}
}
