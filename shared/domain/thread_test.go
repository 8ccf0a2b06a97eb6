package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"suapcds/shared/domain"
)

// requestBy is a request of office "africo" (basin "locride") created by a
// principal of role by, in state s.
func requestBy(by domain.Role, s domain.State) *domain.Request {
	return &domain.Request{
		ID: "req-1", PraticaID: "p-2026-001", OfficeID: "africo", BasinID: "locride",
		CreatedByRole: by, State: s, MessageCount: 4,
	}
}

func TestCanPostMatrix(t *testing.T) {
	principals := []struct {
		name string
		who  domain.Principal
	}{
		{"suap of the office", suapAfrico},
		{"suap of another office", suapAcquaro},
		{"basin of the office", basinLocr},
		{"basin of another basin", basinVibo},
		{"manager", manager},
		{"admin", admin},
	}
	for _, creator := range []domain.Role{domain.RoleSuapOperator, domain.RoleBasinOperator} {
		for _, s := range domain.States {
			for _, p := range principals {
				// The expected answer, derived from docs/rules.md §2.
				var want *domain.Error
				var kind domain.Kind
				switch {
				case p.who.Role == domain.RoleAdmin:
					want, kind = domain.ErrForbidden, domain.KindForbidden
				case p.who == suapAcquaro || p.who == basinVibo:
					want, kind = domain.ErrNotFound, domain.KindNotFound
				case s.Final():
					want, kind = domain.ErrThreadClosed, domain.KindConflict
				case p.who.Role == domain.RoleSuapOperator && creator == domain.RoleBasinOperator:
					want, kind = domain.ErrReadOnly, domain.KindForbidden
				}
				t.Run(string(creator)+"/"+string(s)+"/"+p.name, func(t *testing.T) {
					r := requestBy(creator, s)
					err := domain.CanPost(p.who, r)
					m, merr := domain.NewMessage(p.who, r, "Oggetto", "Testo", monday)
					if want == nil {
						if err != nil || merr != nil {
							t.Fatalf("CanPost = %v, NewMessage = %v; want allowed", err, merr)
						}
						if m == nil {
							t.Fatal("NewMessage returned nil without error")
						}
						return
					}
					wantDomainErr(t, err, want, kind)
					if !errors.Is(merr, want) || m != nil {
						t.Fatalf("NewMessage = %v, %v; want %s", m, merr, want.Code)
					}
				})
			}
		}
	}
}

func TestCanPostDoesNotLeakToOutsiders(t *testing.T) {
	// An outsider learns nothing about a closed or read-only request.
	for _, s := range domain.States {
		for _, who := range []domain.Principal{suapAcquaro, basinVibo} {
			err := domain.CanPost(who, requestBy(domain.RoleBasinOperator, s))
			if errors.Is(err, domain.ErrThreadClosed) || errors.Is(err, domain.ErrReadOnly) {
				t.Errorf("%s on a %s request: %v, want not_found", who.UserID, s, err)
			}
		}
	}
}

func TestNewMessageValidation(t *testing.T) {
	type fields = map[string]string
	cases := []struct {
		name          string
		subject, body string
		want          fields // nil: accepted
		wantS, wantB  string
	}{
		{"subject and body", "Disponibilità", "Confermiamo la sala.", nil, "Disponibilità", "Confermiamo la sala."},
		{"no body", "Solo oggetto", "", nil, "Solo oggetto", ""},
		{"blank body", "Oggetto", " \n\t ", nil, "Oggetto", ""},
		{"trimmed", "  Oggetto \n", "\n riga 1\nriga 2 \n", nil, "Oggetto", "riga 1\nriga 2"},
		{"subject missing", "", "testo", fields{"subject": "required"}, "", ""},
		{"subject blank", "   ", "testo", fields{"subject": "required"}, "", ""},
		{"subject 200 è", strings.Repeat("è", 200), "", nil, strings.Repeat("è", 200), ""},
		{"subject 201 è", strings.Repeat("è", 201), "", fields{"subject": "too_long"}, "", ""},
		{"subject 201 ASCII", strings.Repeat("a", 201), "", fields{"subject": "too_long"}, "", ""},
		{"body 4000 ù (8000 bytes)", "Oggetto", strings.Repeat("ù", 4000), nil, "Oggetto", strings.Repeat("ù", 4000)},
		{"body 4001 ù", "Oggetto", strings.Repeat("ù", 4001), fields{"body": "too_long"}, "", ""},
		{"body 4001 ASCII", "Oggetto", strings.Repeat("x", 4001), fields{"body": "too_long"}, "", ""},
		{"body invalid UTF-8", "Oggetto", "testo \xc3", fields{"body": "invalid_encoding"}, "", ""},
		{"both wrong", "", strings.Repeat("x", 4001), fields{"subject": "required", "body": "too_long"}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := requestBy(domain.RoleSuapOperator, domain.StateOpen)
			m, err := domain.NewMessage(manager, r, c.subject, c.body, monday)
			if c.want == nil {
				if err != nil {
					t.Fatalf("NewMessage: %v", err)
				}
				if m.Subject != c.wantS || m.Body != c.wantB {
					t.Errorf("subject/body = %q/%q, want %q/%q", m.Subject, m.Body, c.wantS, c.wantB)
				}
				return
			}
			if m != nil {
				t.Errorf("message returned with an error")
			}
			wantDomainErr(t, err, &domain.Error{Code: "invalid_input"}, domain.KindInvalid)
			got := fieldCodes(t, err)
			if len(got) != len(c.want) {
				t.Errorf("fields = %v, want %v", got, c.want)
			}
			for f, code := range c.want {
				if got[f] != code {
					t.Errorf("field %s: %q, want %q", f, got[f], code)
				}
			}
		})
	}
}

func TestNewMessageBuildsNextOfThread(t *testing.T) {
	at := time.Date(2026, 3, 10, 8, 15, 0, 0, time.UTC)
	cases := []struct {
		who   domain.Principal
		state domain.State
		count int
	}{
		{suapAfrico, domain.StateOpen, 0},
		{manager, domain.StateOpen, 4},
		{basinLocr, domain.StateProcessing, 9},
		{manager, domain.StateProcessing, 1},
	}
	for _, c := range cases {
		r := requestBy(domain.RoleSuapOperator, c.state)
		r.MessageCount = c.count
		before := *r
		m, err := domain.NewMessage(c.who, r, "Oggetto", "Corpo", at)
		if err != nil {
			t.Fatalf("%s in %s: %v", c.who.UserID, c.state, err)
		}
		want := domain.Message{
			RequestID: "req-1", Seq: c.count + 1,
			SenderID: c.who.UserID, SenderName: c.who.Name, SenderRole: c.who.Role,
			At: at, Subject: "Oggetto", Body: "Corpo", StateAtSend: c.state,
		}
		if *m != want {
			t.Errorf("message:\n got %+v\nwant %+v", *m, want)
		}
		if *r != before {
			t.Errorf("NewMessage changed the request: %+v", *r)
		}
	}
}
