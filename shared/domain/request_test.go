package domain_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"suapcds/shared/domain"
	"suapcds/shared/workdays"
)

// praticaAfrico belongs to office "africo" of basin "locride".
func praticaAfrico() *domain.Pratica {
	return &domain.Pratica{
		ID: "p-2026-001", Number: "SUAP/2026/001", OfficeID: "africo", BasinID: "locride",
		ProcedureType: domain.ProcOrdinario,
	}
}

// monday is Monday 9 March 2026 10:00 in Rome, the rules' example "now".
var monday = rome(2026, time.March, 9, 10, 0)

// validInput is a request well within every limit, for a meeting on Friday
// 20 March 2026 (last day to ask: Wednesday 18 March).
func validInput() domain.NewRequestInput {
	return domain.NewRequestInput{
		Start:           rome(2026, time.March, 20, 10, 0),
		DurationMinutes: 120,
		Email:           "suap.africo@pec.comune.it",
		Subject:         "Conferenza di servizi sincrona pratica SUAP/2026/001",
	}
}

func newReq(who domain.Principal, in domain.NewRequestInput, now time.Time) (*domain.Request, error) {
	return domain.NewRequest(praticaAfrico(), who, in, now, workdays.National(), workdays.DefaultLeadDays)
}

// emailOfLen builds a syntactically valid address of exactly n bytes (n >= 12)
// whose domain labels stay short.
func emailOfLen(n int) string {
	local := "m"
	rest := []byte(strings.Repeat("x", n-len(local)-1-3))
	for i := 40; i < len(rest)-1; i += 40 {
		rest[i] = '.'
	}
	return local + "@" + string(rest) + ".it"
}

func TestNewRequestBuildsOpenRequest(t *testing.T) {
	for _, who := range []domain.Principal{suapAfrico, basinLocr} {
		t.Run(string(who.Role), func(t *testing.T) {
			in := validInput()
			in.Subject = "  \tRiunione CDS  \n"
			in.Email = "  demo@demo.it "
			in.RecordingConsent = true // ignored without Recording
			r, err := newReq(who, in, monday)
			if err != nil {
				t.Fatalf("NewRequest: %v", err)
			}
			p := praticaAfrico()
			want := domain.Request{
				PraticaID: p.ID, PraticaNumber: p.Number, OfficeID: p.OfficeID, BasinID: p.BasinID,
				CreatedBy: who.UserID, CreatedByName: who.Name, CreatedByRole: who.Role,
				CreatedAt: monday, UpdatedAt: monday,
				Start: in.Start, DurationMinutes: 120,
				Email: "demo@demo.it", Subject: "Riunione CDS",
				Recording: false, RecordingConsent: false,
				State: domain.StateOpen,
			}
			if *r != want {
				t.Fatalf("request:\n got %+v\nwant %+v", *r, want)
			}
			if got, want := r.End(), in.Start.Add(2*time.Hour); !got.Equal(want) {
				t.Errorf("End() = %v, want %v", got, want)
			}
		})
	}
}

func TestNewRequestRecordingConsent(t *testing.T) {
	cases := []struct {
		recording, consent bool
		ok                 bool
		wantConsent        bool
	}{
		{false, false, true, false},
		{false, true, true, false},
		{true, true, true, true},
		{true, false, false, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("rec=%v/consent=%v", c.recording, c.consent), func(t *testing.T) {
			in := validInput()
			in.Recording, in.RecordingConsent = c.recording, c.consent
			r, err := newReq(suapAfrico, in, monday)
			if !c.ok {
				if got := fieldCodes(t, err); got["recordingConsent"] != "consent_required" || len(got) != 1 {
					t.Fatalf("fields = %v, want recordingConsent: consent_required", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewRequest: %v", err)
			}
			if r.Recording != c.recording || r.RecordingConsent != c.wantConsent {
				t.Errorf("Recording=%v RecordingConsent=%v, want %v %v", r.Recording, r.RecordingConsent, c.recording, c.wantConsent)
			}
		})
	}
}

func TestNewRequestFieldValidation(t *testing.T) {
	type fields = map[string]string
	cases := []struct {
		name string
		edit func(*domain.NewRequestInput)
		want fields // nil: accepted
	}{
		{"valid", func(*domain.NewRequestInput) {}, nil},

		// Required fields.
		{"subject missing", func(in *domain.NewRequestInput) { in.Subject = "" }, fields{"subject": "required"}},
		{"subject blank", func(in *domain.NewRequestInput) { in.Subject = " \t\n " }, fields{"subject": "required"}},
		{"email missing", func(in *domain.NewRequestInput) { in.Email = "" }, fields{"email": "required"}},
		{"email blank", func(in *domain.NewRequestInput) { in.Email = "   " }, fields{"email": "required"}},
		{"duration missing", func(in *domain.NewRequestInput) { in.DurationMinutes = 0 }, fields{"durationMinutes": "required"}},
		{"start missing", func(in *domain.NewRequestInput) { in.Start = time.Time{} }, fields{"start": "required"}},

		// Subject length in characters, not bytes.
		{"subject 200 ASCII", func(in *domain.NewRequestInput) { in.Subject = strings.Repeat("a", 200) }, nil},
		{"subject 201 ASCII", func(in *domain.NewRequestInput) { in.Subject = strings.Repeat("a", 201) }, fields{"subject": "too_long"}},
		{"subject 200 è (400 bytes)", func(in *domain.NewRequestInput) { in.Subject = strings.Repeat("è", 200) }, nil},
		{"subject 201 è", func(in *domain.NewRequestInput) { in.Subject = strings.Repeat("è", 201) }, fields{"subject": "too_long"}},
		{"subject 200 chars plus spaces", func(in *domain.NewRequestInput) { in.Subject = "  " + strings.Repeat("à", 200) + "  " }, nil},
		{"subject invalid UTF-8", func(in *domain.NewRequestInput) { in.Subject = "oggetto \xff" }, fields{"subject": "invalid_encoding"}},

		// E-mail syntax.
		{"email demo", func(in *domain.NewRequestInput) { in.Email = "demo@demo.it" }, nil},
		{"email pec", func(in *domain.NewRequestInput) { in.Email = "suap.africo@pec.comune.it" }, nil},
		{"email plus", func(in *domain.NewRequestInput) { in.Email = "mario.rossi+cds@comune.africo.rc.it" }, nil},
		{"email 254 bytes", func(in *domain.NewRequestInput) { in.Email = emailOfLen(254) }, nil},
		{"email 255 bytes", func(in *domain.NewRequestInput) { in.Email = emailOfLen(255) }, fields{"email": "too_long"}},
		{"email display name", func(in *domain.NewRequestInput) { in.Email = "Maria <m@x.it>" }, fields{"email": "invalid_email"}},
		{"email angle brackets", func(in *domain.NewRequestInput) { in.Email = "<m@x.it>" }, fields{"email": "invalid_email"}},
		{"email no dot in domain", func(in *domain.NewRequestInput) { in.Email = "m@x" }, fields{"email": "invalid_email"}},
		{"email no local part", func(in *domain.NewRequestInput) { in.Email = "@x.it" }, fields{"email": "invalid_email"}},
		{"email domain starts with dot", func(in *domain.NewRequestInput) { in.Email = "m@.it" }, fields{"email": "invalid_email"}},
		{"email domain ends with dot", func(in *domain.NewRequestInput) { in.Email = "m@x.it." }, fields{"email": "invalid_email"}},
		{"email space in local part", func(in *domain.NewRequestInput) { in.Email = "a b@x.it" }, fields{"email": "invalid_email"}},
		{"email no at", func(in *domain.NewRequestInput) { in.Email = "m.x.it" }, fields{"email": "invalid_email"}},
		{"email two ats", func(in *domain.NewRequestInput) { in.Email = "m@@x.it" }, fields{"email": "invalid_email"}},
		{"email two addresses", func(in *domain.NewRequestInput) { in.Email = "m@x.it, n@y.it" }, fields{"email": "invalid_email"}},
		{"email comment", func(in *domain.NewRequestInput) { in.Email = "m@x.it (Maria)" }, fields{"email": "invalid_email"}},
		{"email header injection", func(in *domain.NewRequestInput) { in.Email = "m@x.it\r\nBcc: n@y.it" }, fields{"email": "invalid_email"}},

		// Duration bounds.
		{"duration 14", func(in *domain.NewRequestInput) { in.DurationMinutes = 14 }, fields{"durationMinutes": "out_of_range"}},
		{"duration 15", func(in *domain.NewRequestInput) { in.DurationMinutes = 15 }, nil},
		{"duration 480", func(in *domain.NewRequestInput) { in.DurationMinutes = 480 }, nil},
		{"duration 481", func(in *domain.NewRequestInput) { in.DurationMinutes = 481 }, fields{"durationMinutes": "out_of_range"}},
		{"duration negative", func(in *domain.NewRequestInput) { in.DurationMinutes = -60 }, fields{"durationMinutes": "out_of_range"}},

		// Start.
		{"start now", func(in *domain.NewRequestInput) { in.Start = monday }, fields{"start": "in_past"}},
		{"start a second ago", func(in *domain.NewRequestInput) { in.Start = monday.Add(-time.Second) }, fields{"start": "in_past"}},
		{"start last year", func(in *domain.NewRequestInput) { in.Start = monday.AddDate(-1, 0, 0) }, fields{"start": "in_past"}},
		{"start in 360 days", func(in *domain.NewRequestInput) { in.Start = monday.Add(360 * 24 * time.Hour) }, nil},
		{"start exactly at the limit", func(in *domain.NewRequestInput) { in.Start = monday.Add(domain.MaxAdvance) }, nil},
		{"start past the limit", func(in *domain.NewRequestInput) { in.Start = monday.Add(domain.MaxAdvance + time.Minute) }, fields{"start": "too_far"}},
		{"start in two years", func(in *domain.NewRequestInput) { in.Start = monday.AddDate(2, 0, 0) }, fields{"start": "too_far"}},

		// Several at once: every bad field, in one error.
		{"everything wrong", func(in *domain.NewRequestInput) {
			*in = domain.NewRequestInput{Email: "Maria <m@x.it>", DurationMinutes: 5, Recording: true}
		}, fields{"subject": "required", "email": "invalid_email", "durationMinutes": "out_of_range", "start": "required", "recordingConsent": "consent_required"}},
		{"all required missing", func(in *domain.NewRequestInput) { *in = domain.NewRequestInput{} },
			fields{"subject": "required", "email": "required", "durationMinutes": "required", "start": "required"}},
		{"too long and in the past", func(in *domain.NewRequestInput) {
			in.Subject = strings.Repeat("è", 201)
			in.Start = monday.Add(-time.Hour)
		}, fields{"subject": "too_long", "start": "in_past"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validInput()
			c.edit(&in)
			r, err := newReq(suapAfrico, in, monday)
			if c.want == nil {
				if err != nil {
					t.Fatalf("NewRequest refused valid input: %v", err)
				}
				if r.State != domain.StateOpen {
					t.Errorf("state = %s, want APERTA", r.State)
				}
				return
			}
			if r != nil {
				t.Errorf("NewRequest returned a request with an error")
			}
			de := wantDomainErr(t, err, &domain.Error{Code: "invalid_input"}, domain.KindInvalid)
			if errors.Is(err, domain.ErrLeadTime) {
				t.Errorf("lead time checked on invalid input")
			}
			got := fieldCodes(t, err)
			if len(got) != len(c.want) {
				t.Errorf("fields = %v, want %v", got, c.want)
			}
			for f, code := range c.want {
				if got[f] != code {
					t.Errorf("field %s: code %q, want %q (all: %v)", f, got[f], code, got)
				}
			}
			if len(c.want) > 1 && !strings.Contains(de.Detail, fmt.Sprint(len(c.want))) {
				t.Errorf("detail %q does not count the %d bad fields", de.Detail, len(c.want))
			}
			if msg := err.Error(); !strings.Contains(msg, "invalid_input") {
				t.Errorf("Error() = %q lacks the code", msg)
			}
		})
	}
}

func TestNewRequestLeadTime(t *testing.T) {
	// Patron saint of a comune on Monday 16 March 2026.
	local, err := workdays.New(workdays.LocalHoliday{Month: time.March, Day: 16, Name: "San Patrono"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		cal      domain.LeadTimeCalendar
		lead     int
		now      time.Time
		start    time.Time
		lastDay  string // "" when accepted
		lastName string
	}{
		{"rules: Monday for Wednesday", workdays.National(), 2,
			rome(2026, time.March, 9, 10, 0), rome(2026, time.March, 11, 10, 0), "", ""},
		{"rules: Saturday for Tuesday", workdays.National(), 2,
			rome(2026, time.March, 14, 10, 0), rome(2026, time.March, 17, 10, 0), "13-03-2026", "venerdì"},
		{"Friday for Tuesday", workdays.National(), 2,
			rome(2026, time.March, 13, 18, 0), rome(2026, time.March, 17, 9, 0), "", ""},
		{"Tuesday for Wednesday", workdays.National(), 2,
			rome(2026, time.March, 10, 8, 0), rome(2026, time.March, 11, 10, 0), "09-03-2026", "lunedì"},
		{"23:59 on the last day", workdays.National(), 2,
			rome(2026, time.March, 9, 23, 59), rome(2026, time.March, 11, 10, 0), "", ""},
		// 00:01 in Rome on 10 March is still 9 March in UTC.
		{"00:01 the next day", workdays.National(), 2,
			rome(2026, time.March, 10, 0, 1), rome(2026, time.March, 11, 10, 0), "09-03-2026", "lunedì"},
		{"00:01 the next day given in UTC", workdays.National(), 2,
			rome(2026, time.March, 10, 0, 1).UTC(), rome(2026, time.March, 11, 10, 0).UTC(), "09-03-2026", "lunedì"},
		// Easter Monday 6 April 2026 does not count.
		{"Easter Monday skipped, ok", workdays.National(), 2,
			rome(2026, time.April, 3, 12, 0), rome(2026, time.April, 8, 10, 0), "", ""},
		{"Easter Monday skipped, refused", workdays.National(), 2,
			rome(2026, time.April, 7, 9, 0), rome(2026, time.April, 8, 10, 0), "03-04-2026", "venerdì"},
		// The office's patron saint does not count either.
		{"local holiday, national calendar", workdays.National(), 2,
			rome(2026, time.March, 16, 9, 0), rome(2026, time.March, 18, 10, 0), "", ""},
		{"local holiday, office calendar", local, 2,
			rome(2026, time.March, 16, 9, 0), rome(2026, time.March, 18, 10, 0), "13-03-2026", "venerdì"},
		// The lead time is configurable.
		{"three days, refused", workdays.National(), 3,
			rome(2026, time.March, 9, 10, 0), rome(2026, time.March, 11, 10, 0), "06-03-2026", "venerdì"},
		{"one day, ok", workdays.National(), 1,
			rome(2026, time.March, 10, 10, 0), rome(2026, time.March, 11, 10, 0), "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validInput()
			in.Start = c.start
			r, err := domain.NewRequest(praticaAfrico(), suapAfrico, in, c.now, c.cal, c.lead)
			if c.lastDay == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if !r.Start.Equal(c.start) {
					t.Errorf("Start = %v, want %v", r.Start, c.start)
				}
				return
			}
			if r != nil {
				t.Errorf("request returned with the error")
			}
			de := wantDomainErr(t, err, domain.ErrLeadTime, domain.KindInvalid)
			if de.Code != "lead_time" {
				t.Errorf("code = %q, want lead_time", de.Code)
			}
			if want := c.lastName + " " + c.lastDay; !strings.Contains(de.Detail, want) {
				t.Errorf("detail %q does not name %q", de.Detail, want)
			}
			if want := fmt.Sprintf("almeno %d giorni lavorativi", c.lead); !strings.Contains(de.Detail, want) {
				t.Errorf("detail %q does not state %q", de.Detail, want)
			}
			if got := fieldCodes(t, err); got["start"] != "lead_time" {
				t.Errorf("fields = %v, want start: lead_time", got)
			}
		})
	}
}

func TestLeadTimeErrorWeekdays(t *testing.T) {
	// 8–14 March 2026 is Sunday to Saturday.
	names := []string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}
	for i, name := range names {
		d := workdays.NewDate(2026, time.March, 8+i)
		e := domain.LeadTimeError(d, 2)
		want := fmt.Sprintf("%s %02d-03-2026.", name, 8+i)
		if !strings.HasSuffix(e.Detail, want) {
			t.Errorf("LeadTimeError(%s).Detail = %q, want suffix %q", d, e.Detail, want)
		}
		if !errors.Is(e, domain.ErrLeadTime) || e.Kind != domain.KindInvalid {
			t.Errorf("LeadTimeError is not a KindInvalid lead_time error: %v", e)
		}
	}
}

func TestNewRequestAuthorization(t *testing.T) {
	badInput := domain.NewRequestInput{} // authorization comes before validation
	cases := []struct {
		name string
		who  domain.Principal
		want *domain.Error // nil: allowed
		kind domain.Kind
	}{
		{"suap operator of the office", suapAfrico, nil, 0},
		{"basin operator of the office's basin", basinLocr, nil, 0},
		{"manager", manager, domain.ErrForbidden, domain.KindForbidden},
		{"admin", admin, domain.ErrForbidden, domain.KindForbidden},
		{"no role", domain.Principal{UserID: "x", OfficeID: "africo", BasinID: "locride"}, domain.ErrForbidden, domain.KindForbidden},
		{"manager with the office id", domain.Principal{Role: domain.RoleManager, OfficeID: "africo"}, domain.ErrForbidden, domain.KindForbidden},
		{"suap operator of another office", suapAcquaro, domain.ErrNotFound, domain.KindNotFound},
		{"suap operator without office", domain.Principal{Role: domain.RoleSuapOperator}, domain.ErrNotFound, domain.KindNotFound},
		{"suap operator with only the basin", domain.Principal{Role: domain.RoleSuapOperator, BasinID: "locride"}, domain.ErrNotFound, domain.KindNotFound},
		{"basin operator of another basin", basinVibo, domain.ErrNotFound, domain.KindNotFound},
		{"basin operator with only the office", domain.Principal{Role: domain.RoleBasinOperator, OfficeID: "africo"}, domain.ErrNotFound, domain.KindNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := newReq(c.who, validInput(), monday)
			if c.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if r.CreatedByRole != c.who.Role || r.CreatedBy != c.who.UserID {
					t.Errorf("created by %s/%s, want %s/%s", r.CreatedBy, r.CreatedByRole, c.who.UserID, c.who.Role)
				}
				return
			}
			wantDomainErr(t, err, c.want, c.kind)
			if r != nil {
				t.Errorf("request returned with the error")
			}
			_, err = newReq(c.who, badInput, monday)
			if !errors.Is(err, c.want) {
				t.Errorf("with invalid input: %v, want %s", err, c.want.Code)
			}
		})
	}

	// A pratica outside any basin: no basin operator can reach it, even one
	// whose basin id is also empty.
	p := praticaAfrico()
	p.BasinID = ""
	_, err := domain.NewRequest(p, domain.Principal{Role: domain.RoleBasinOperator}, validInput(), monday, workdays.National(), 2)
	if !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("basin operator without basin on a basin-less pratica: %v, want not_found", err)
	}
}

func TestValidEmail(t *testing.T) {
	cases := map[string]bool{
		"demo@demo.it":              true,
		"suap.africo@pec.comune.it": true,
		"a@b.co":                    true,
		"Maria <m@x.it>":            false,
		"m@x":                       false,
		"@x.it":                     false,
		"m@.it":                     false,
		"m@x.it.":                   false,
		"a b@x.it":                  false,
		" demo@demo.it":             false, // ValidEmail does not trim; NewRequest does
		"":                          false,
		"m@":                        false,
		"m":                         false,
	}
	for in, want := range cases {
		if got := domain.ValidEmail(in); got != want {
			t.Errorf("ValidEmail(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestDurationLabel(t *testing.T) {
	cases := map[int]string{
		120: "2 ore",
		90:  "1 ora e 30 minuti",
		45:  "45 minuti",
		61:  "1 ora e 1 minuto",
		60:  "1 ora",
		1:   "1 minuto",
		15:  "15 minuti",
		150: "2 ore e 30 minuti",
		121: "2 ore e 1 minuto",
		480: "8 ore",
		0:   "0 minuti",
	}
	for in, want := range cases {
		if got := domain.DurationLabel(in); got != want {
			t.Errorf("DurationLabel(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatRome(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		in          time.Time
		min, second string
	}{
		// Spring forward: 29 March 2026 at 01:00 UTC (02:00 → 03:00 in Rome).
		{time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), "29-03-2026 01:30", "29-03-2026 01:30:00"},
		{time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), "29-03-2026 03:30", "29-03-2026 03:30:00"},
		// Fall back: 25 October 2026 at 01:00 UTC (03:00 → 02:00 in Rome).
		{time.Date(2026, 10, 25, 0, 30, 15, 0, time.UTC), "25-10-2026 02:30", "25-10-2026 02:30:15"},
		{time.Date(2026, 10, 25, 1, 30, 15, 0, time.UTC), "25-10-2026 02:30", "25-10-2026 02:30:15"},
		// Winter and summer offsets; midnight crossing.
		{time.Date(2026, 1, 15, 23, 30, 0, 0, time.UTC), "16-01-2026 00:30", "16-01-2026 00:30:00"},
		{time.Date(2026, 7, 31, 22, 0, 59, 999_000_000, time.UTC), "01-08-2026 00:00", "01-08-2026 00:00:59"},
		// Any location is converted to Rome.
		{time.Date(2026, 3, 11, 4, 0, 0, 0, ny), "11-03-2026 09:00", "11-03-2026 09:00:00"},
	}
	for _, c := range cases {
		if got := domain.FormatRome(c.in); got != c.min {
			t.Errorf("FormatRome(%v) = %q, want %q", c.in, got, c.min)
		}
		if got := domain.FormatRomeSeconds(c.in); got != c.second {
			t.Errorf("FormatRomeSeconds(%v) = %q, want %q", c.in, got, c.second)
		}
	}
}

// FuzzNewRequest checks that NewRequest never panics and that what it accepts
// respects every limit. startOffset is in seconds from now; 0 means no start.
func FuzzNewRequest(f *testing.F) {
	f.Add("Riunione CDS", "demo@demo.it", 120, int64(2*24*3600), false, false)
	f.Add(strings.Repeat("è", 200), "suap.africo@pec.comune.it", 15, int64(30*24*3600), true, true)
	f.Add(strings.Repeat("è", 201), "Maria <m@x.it>", 481, int64(-60), true, false)
	f.Add("  \u00a0oggetto\u2003 ", " m@x.it\r\n", 480, int64(0), false, true)
	f.Add("\xff\xfe", "a b@x.it", -1, int64(400*24*3600), false, false)
	now := monday
	cal := workdays.National()
	f.Fuzz(func(t *testing.T, subject, email string, duration int, startOffset int64, recording, consent bool) {
		var start time.Time
		if startOffset != 0 {
			start = now.Add(time.Duration(startOffset) * time.Second)
		}
		in := domain.NewRequestInput{Start: start, DurationMinutes: duration, Email: email, Subject: subject, Recording: recording, RecordingConsent: consent}
		r, err := domain.NewRequest(praticaAfrico(), suapAfrico, in, now, cal, workdays.DefaultLeadDays)
		if err != nil {
			if r != nil {
				t.Fatalf("request returned with error %v", err)
			}
			de, ok := domain.AsError(err)
			if !ok || de.Kind != domain.KindInvalid || len(de.Fields) == 0 {
				t.Fatalf("error %v is not a KindInvalid *domain.Error with fields", err)
			}
			for _, fe := range de.Fields {
				switch fe.Field {
				case "subject", "email", "durationMinutes", "start", "recordingConsent":
				default:
					t.Fatalf("unknown field %q in %v", fe.Field, err)
				}
				if !utf8.ValidString(fe.Detail) || !utf8.ValidString(de.Detail) {
					t.Fatalf("error detail is not valid UTF-8: %q", de.Detail)
				}
			}
			return
		}
		if r == nil {
			t.Fatal("nil request without error")
		}
		for name, v := range map[string]string{"subject": r.Subject, "email": r.Email} {
			if !utf8.ValidString(v) {
				t.Fatalf("%s %q is not valid UTF-8", name, v)
			}
			if v == "" || strings.TrimSpace(v) != v {
				t.Fatalf("%s %q is empty or not trimmed", name, v)
			}
		}
		if r.Subject != strings.TrimSpace(subject) || r.Email != strings.TrimSpace(email) {
			t.Fatalf("subject/email %q %q are not the trimmed input", r.Subject, r.Email)
		}
		if n := utf8.RuneCountInString(r.Subject); n > domain.MaxSubjectLen {
			t.Fatalf("subject of %d characters accepted", n)
		}
		if len(r.Email) > domain.MaxEmailLen || !domain.ValidEmail(r.Email) {
			t.Fatalf("invalid email %q accepted", r.Email)
		}
		if r.DurationMinutes < domain.MinDurationMinutes || r.DurationMinutes > domain.MaxDurationMinutes {
			t.Fatalf("duration %d accepted", r.DurationMinutes)
		}
		if !r.Start.After(now) || r.Start.Sub(now) > domain.MaxAdvance {
			t.Fatalf("start %v accepted at %v", r.Start, now)
		}
		if ok, _ := cal.CanRequest(now, r.Start, workdays.DefaultLeadDays); !ok {
			t.Fatalf("start %v accepted against the lead time", r.Start)
		}
		if r.State != domain.StateOpen || r.RecordingConsent != (recording && consent) || r.Recording != recording {
			t.Fatalf("request %+v: wrong state or recording flags", r)
		}
	})
}
