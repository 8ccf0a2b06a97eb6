package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"suapcds/shared/domain"
)

// allowed is the state table of docs/rules.md §2, written out independently of the
// implementation.
var allowed = map[domain.State]map[domain.Transition]domain.State{
	domain.StateOpen: {
		domain.Decline:             domain.StateUnavailable,
		domain.Accept:              domain.StateDone,
		domain.AcceptWithRecording: domain.StateProcessing,
	},
	domain.StateProcessing: {
		domain.RecordingAcquired: domain.StateDone,
		domain.Cancel:            domain.StateUnavailable,
	},
}

func TestStatesAndTransitionsAreComplete(t *testing.T) {
	wantStates := []domain.State{"APERTA", "NON_DISPONIBILE", "IN_ELABORAZIONE", "EVASA"}
	if len(domain.States) != len(wantStates) {
		t.Fatalf("States = %v, want %v", domain.States, wantStates)
	}
	for i, s := range wantStates {
		if domain.States[i] != s {
			t.Errorf("States[%d] = %q, want %q", i, domain.States[i], s)
		}
	}
	wantTr := []domain.Transition{"decline", "accept", "accept_with_recording", "recording_acquired", "cancel"}
	if len(domain.Transitions) != len(wantTr) {
		t.Fatalf("Transitions = %v, want %v", domain.Transitions, wantTr)
	}
	for i, tr := range wantTr {
		if domain.Transitions[i] != tr {
			t.Errorf("Transitions[%d] = %q, want %q", i, domain.Transitions[i], tr)
		}
	}
}

func TestNextEveryStateTransitionPair(t *testing.T) {
	edges := 0
	for _, s := range domain.States {
		for _, tr := range domain.Transitions {
			want, ok := allowed[s][tr]
			t.Run(string(s)+"/"+string(tr), func(t *testing.T) {
				got, err := domain.Next(s, tr)
				if ok {
					if err != nil {
						t.Fatalf("Next(%s, %s) error %v, want %s", s, tr, err, want)
					}
					if got != want {
						t.Fatalf("Next(%s, %s) = %s, want %s", s, tr, got, want)
					}
					return
				}
				if got != "" {
					t.Errorf("Next(%s, %s) = %q on failure, want empty state", s, tr, got)
				}
				de := wantDomainErr(t, err, domain.ErrInvalidTransition, domain.KindConflict)
				if de.Code != "invalid_transition" {
					t.Errorf("code = %q, want invalid_transition", de.Code)
				}
				// The Italian detail names the operation and the state.
				for _, part := range []string{"non consentita", s.Label(), tr.Label()} {
					if !strings.Contains(de.Detail, part) {
						t.Errorf("detail %q does not contain %q", de.Detail, part)
					}
				}
				for _, other := range []*domain.Error{domain.ErrNotFound, domain.ErrConflict, domain.ErrThreadClosed} {
					if errors.Is(err, other) {
						t.Errorf("invalid transition error also matches %s", other.Code)
					}
				}
			})
			if ok {
				edges++
			}
		}
	}
	if edges != 5 {
		t.Fatalf("%d allowed edges, docs/rules.md has 5", edges)
	}
}

func TestNextUnknownStateOrTransition(t *testing.T) {
	cases := []struct {
		s  domain.State
		tr domain.Transition
	}{
		{"", domain.Accept},
		{"aperta", domain.Accept}, // states are case-sensitive
		{"CHIUSA", domain.Decline},
		{domain.StateOpen, ""},
		{domain.StateOpen, "ACCEPT"},
		{domain.StateProcessing, "reopen"},
	}
	for _, c := range cases {
		_, err := domain.Next(c.s, c.tr)
		if !errors.Is(err, domain.ErrInvalidTransition) {
			t.Errorf("Next(%q, %q) = %v, want invalid_transition", c.s, c.tr, err)
		}
	}
}

func TestRequestApply(t *testing.T) {
	created := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	later := created.Add(90 * time.Minute)
	for _, s := range domain.States {
		for _, tr := range domain.Transitions {
			want, ok := allowed[s][tr]
			t.Run(string(s)+"/"+string(tr), func(t *testing.T) {
				r := &domain.Request{
					ID: "r1", PraticaID: "p1", State: s, CreatedAt: created, UpdatedAt: created,
					Meeting: &domain.Meeting{Code: "123", Password: "pw", Link: "https://meet.example/x"},
					Version: 3, MessageCount: 2,
				}
				before := *r
				meeting := *r.Meeting
				err := r.Apply(tr, later)
				if !ok {
					if !errors.Is(err, domain.ErrInvalidTransition) {
						t.Fatalf("Apply(%s) from %s = %v, want invalid_transition", tr, s, err)
					}
					if *r != before || *r.Meeting != meeting {
						t.Fatalf("Apply changed the request on failure:\n got %+v\nwant %+v", *r, before)
					}
					return
				}
				if err != nil {
					t.Fatalf("Apply(%s) from %s: %v", tr, s, err)
				}
				if r.State != want {
					t.Errorf("state = %s, want %s", r.State, want)
				}
				if !r.UpdatedAt.Equal(later) {
					t.Errorf("UpdatedAt = %v, want %v", r.UpdatedAt, later)
				}
				// Everything else is the caller's business.
				after := *r
				after.State, after.UpdatedAt = before.State, before.UpdatedAt
				if after != before {
					t.Errorf("Apply changed more than State and UpdatedAt:\n got %+v\nwant %+v", after, before)
				}
			})
		}
	}
}

func TestRequestApplyPaths(t *testing.T) {
	t0 := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	paths := []struct {
		name  string
		steps []domain.Transition
		final domain.State
	}{
		{"declined", []domain.Transition{domain.Decline}, domain.StateUnavailable},
		{"accepted", []domain.Transition{domain.Accept}, domain.StateDone},
		{"recorded", []domain.Transition{domain.AcceptWithRecording, domain.RecordingAcquired}, domain.StateDone},
		{"cancelled", []domain.Transition{domain.AcceptWithRecording, domain.Cancel}, domain.StateUnavailable},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			r := &domain.Request{State: domain.StateOpen}
			for i, tr := range p.steps {
				if err := r.Apply(tr, t0.Add(time.Duration(i+1)*time.Hour)); err != nil {
					t.Fatalf("step %d (%s): %v", i, tr, err)
				}
			}
			if r.State != p.final {
				t.Fatalf("state = %s, want %s", r.State, p.final)
			}
			if !r.State.Final() {
				t.Fatalf("%s should be final", r.State)
			}
			// Nothing leaves a final state.
			for _, tr := range domain.Transitions {
				if err := r.Apply(tr, t0.Add(24*time.Hour)); err == nil {
					t.Errorf("%s left final state via %s", p.final, tr)
				}
			}
		})
	}
}

func TestStateProperties(t *testing.T) {
	cases := []struct {
		s                  domain.State
		valid, final, live bool
		label              string
	}{
		{domain.StateOpen, true, false, true, "Aperta"},
		{domain.StateUnavailable, true, true, false, "Non disponibile"},
		{domain.StateProcessing, true, false, true, "In elaborazione"},
		{domain.StateDone, true, true, false, "Evasa"},
		{"", false, false, false, ""},
		{"CHIUSA", false, false, false, "CHIUSA"},
		{"aperta", false, false, false, "aperta"},
	}
	for _, c := range cases {
		if got := c.s.Valid(); got != c.valid {
			t.Errorf("%q.Valid() = %v, want %v", c.s, got, c.valid)
		}
		if got := c.s.Final(); got != c.final {
			t.Errorf("%q.Final() = %v, want %v", c.s, got, c.final)
		}
		if got := c.s.Live(); got != c.live {
			t.Errorf("%q.Live() = %v, want %v", c.s, got, c.live)
		}
		if got := c.s.Label(); got != c.label {
			t.Errorf("%q.Label() = %q, want %q", c.s, got, c.label)
		}
		if c.valid && c.final == c.live {
			t.Errorf("%q: a valid state is either final or live", c.s)
		}
	}
	// A final state is exactly one with no outgoing edge.
	for _, s := range domain.States {
		if got, want := s.Final(), len(allowed[s]) == 0; got != want {
			t.Errorf("%s.Final() = %v, but it has %d outgoing edges", s, got, len(allowed[s]))
		}
	}
}

func TestTransitionLabels(t *testing.T) {
	seen := map[string]domain.Transition{}
	for _, tr := range domain.Transitions {
		l := tr.Label()
		if l == "" || l == string(tr) {
			t.Errorf("%s has no Italian label (%q)", tr, l)
		}
		if prev, dup := seen[l]; dup {
			t.Errorf("%s and %s share the label %q", prev, tr, l)
		}
		seen[l] = tr
	}
	if got := domain.Transition("boh").Label(); got != "boh" {
		t.Errorf("unknown transition label = %q, want the raw name", got)
	}
}
