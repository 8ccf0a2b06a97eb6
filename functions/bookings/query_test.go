package bookings

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi"
	"suapcds/shared/store"
	"suapcds/shared/workdays"
)

// listRequest is a GET of the list with the raw query q. Setting RawQuery
// after NewRequest keeps any string from reaching NewRequest's parser, which
// panics on some.
func listRequest(q string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/booking-requests", nil)
	r.URL.RawQuery = q
	return r
}

var (
	quoted      = regexp.MustCompile(`«.*»`)
	englishLeak = regexp.MustCompile(`(?i)json:|parsing time|cannot parse|invalid syntax|strconv|out of range|\bgo\b`)
	italianWord = regexp.MustCompile(`(?i)\b(il|la|del|della|non|deve|un|una|nel|tra|da|di|data|testo|parametro)\b`)
)

var queryParams = map[string]bool{"office": true, "basin": true, "assignee": true, "praticaNumber": true,
	"subject": true, "state": true, "limit": true, "from": true, "to": true,
	// "query": the query string itself is not well encoded.
	"query": true}

// checkQueryError asserts that err is the 400 malformed_request a bad query
// parameter gets, naming the parameter in Italian, and returns it.
func checkQueryError(t testing.TB, err error) *domain.Error {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %T %q is not a *domain.Error", err, err)
	}
	if de.Code != "malformed_request" || de.Kind != domain.KindInvalid {
		t.Fatalf("error %q: code %q kind %d, want malformed_request/KindInvalid", err, de.Code, de.Kind)
	}
	for _, d := range []string{de.Detail, fieldDetail(de)} {
		rest := quoted.ReplaceAllString(d, "«»")
		if strings.TrimSpace(d) == "" || englishLeak.MatchString(rest) || !italianWord.MatchString(rest) {
			t.Fatalf("detail %q is not an Italian sentence", d)
		}
	}
	if len(de.Fields) != 1 || !queryParams[de.Fields[0].Field] || de.Fields[0].Code == "" {
		t.Fatalf("fields = %+v, want one naming a query parameter", de.Fields)
	}
	return de
}

func fieldDetail(de *domain.Error) string {
	if len(de.Fields) == 0 {
		return ""
	}
	return de.Fields[0].Detail
}

func endOfRomeDay(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 999999999, clock.Rome)
}

// paramDetail is what the detail of an error on each parameter says.
var paramDetail = map[string]string{
	"office": "«office»", "basin": "«basin»", "assignee": "«assignee»", "state": "«state»",
	"limit": "«limit»", "from": "«from»", "to": "",
	"subject": "troppo lungo", "praticaNumber": "troppo lungo",
}

func TestListQuery(t *testing.T) {
	march := func(d int) time.Time { return time.Date(2026, time.March, d, 0, 0, 0, 0, clock.Rome) }
	tests := []struct {
		name  string
		query string
		want  store.ListQuery
		// wantField, when set, is the parameter the 400 must name.
		wantField string
	}{
		{name: "no filters", query: ""},
		{name: "all filters",
			query: "office=suap-cs&basin=bacino.1&assignee=u_1&praticaNumber=SUAP%2F2026%2F1&subject=conferenza+servizi&state=IN_ELABORAZIONE&cursor=abc%3D&limit=25&from=2026-03-01&to=2026-03-31",
			want: store.ListQuery{OfficeID: "suap-cs", BasinID: "bacino.1", Assignee: "u_1", PraticaNumber: "SUAP/2026/1",
				Subject: "conferenza servizi", State: domain.StateProcessing, Cursor: "abc=", Limit: 25,
				From: march(1), To: endOfRomeDay(2026, time.March, 31)}},
		{name: "state APERTA", query: "state=APERTA", want: store.ListQuery{State: domain.StateOpen}},
		{name: "state NON_DISPONIBILE", query: "state=NON_DISPONIBILE", want: store.ListQuery{State: domain.StateUnavailable}},
		{name: "state EVASA", query: "state=EVASA", want: store.ListQuery{State: domain.StateDone}},
		{name: "state empty", query: "state=", want: store.ListQuery{}},
		{name: "limit 1", query: "limit=1", want: store.ListQuery{Limit: 1}},
		{name: "limit 100", query: "limit=100", want: store.ListQuery{Limit: 100}},
		{name: "subject of 200 accented letters", query: "subject=" + strings.Repeat("%C3%A8", 200),
			want: store.ListQuery{Subject: strings.Repeat("è", 200)}},
		{name: "from alone", query: "from=2026-03-11", want: store.ListQuery{From: march(11)}},
		{name: "to alone: the whole Rome day", query: "to=2026-03-11", want: store.ListQuery{To: endOfRomeDay(2026, time.March, 11)}},
		{name: "from equals to", query: "from=2026-03-11&to=2026-03-11",
			want: store.ListQuery{From: march(11), To: endOfRomeDay(2026, time.March, 11)}},
		{name: "to on the spring DST day", query: "to=2026-03-29", want: store.ListQuery{To: endOfRomeDay(2026, time.March, 29)}},
		{name: "to on the autumn DST day", query: "to=2026-10-25", want: store.ListQuery{To: endOfRomeDay(2026, time.October, 25)}},

		{name: "bad state", query: "state=CHIUSA", wantField: "state"},
		{name: "lower-case state", query: "state=aperta", wantField: "state"},
		{name: "limit 0", query: "limit=0", wantField: "limit"},
		{name: "limit 101", query: "limit=101", wantField: "limit"},
		{name: "limit abc", query: "limit=abc", wantField: "limit"},
		{name: "limit -1", query: "limit=-1", wantField: "limit"},
		{name: "limit 1.5", query: "limit=1.5", wantField: "limit"},
		{name: "from after to", query: "from=2026-03-12&to=2026-03-11", wantField: "to"}, // "La data finale precede la data iniziale."
		{name: "from Italian format", query: "from=11/03/2026", wantField: "from"},
		{name: "from without zero padding", query: "from=2026-3-1", wantField: "from"},
		{name: "from with time", query: "from=2026-03-11T00:00:00Z", wantField: "from"},
		{name: "to impossible day", query: "to=2026-02-30", wantField: "to"},
		{name: "to Italian format", query: "to=11-03-2026", wantField: "to"},
		{name: "bad office", query: "office=../x", wantField: "office"},
		{name: "office starting with punctuation", query: "office=-x", wantField: "office"},
		{name: "office too long", query: "office=" + strings.Repeat("a", 65), wantField: "office"},
		{name: "bad basin", query: "basin=a%2Fb", wantField: "basin"},
		{name: "bad assignee", query: "assignee=a+b", wantField: "assignee"},
		{name: "subject too long", query: "subject=" + strings.Repeat("%C3%A8", 201), wantField: "subject"},
		{name: "pratica number too long", query: "praticaNumber=" + strings.Repeat("9", 51), wantField: "praticaNumber"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := listRequest(tc.query)
			got, err := listQuery(r)
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("listQuery(%q) = %v", tc.query, err)
				}
				if !sameQuery(got, tc.want) {
					t.Fatalf("listQuery(%q) =\n%+v, want\n%+v", tc.query, got, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("listQuery(%q) = %+v, want an error on %q", tc.query, got, tc.wantField)
			}
			de := checkQueryError(t, err)
			if f := de.Fields[0].Field; f != tc.wantField {
				t.Fatalf("error names %q, want %q: %v", f, tc.wantField, err)
			}
			if want := paramDetail[tc.wantField]; !strings.Contains(de.Detail, want) {
				t.Fatalf("detail %q does not contain %q", de.Detail, want)
			}
			rec := httptest.NewRecorder()
			httpapi.WriteError(rec, r, err)
			var p httpapi.Problem
			if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Code != "malformed_request" || p.Detail != de.Detail {
				t.Fatalf("WriteError: %d %s", rec.Code, rec.Body)
			}
		})
	}
}

// checkDateOutOfRange asserts the 422 date_out_of_range of a date parameter
// outside the window, naming it, and returns the parameter.
func checkDateOutOfRange(t testing.TB, err error) string {
	t.Helper()
	de, ok := domain.AsError(err)
	if !ok || de.Code != "date_out_of_range" || len(de.Fields) != 1 || (de.Fields[0].Field != "from" && de.Fields[0].Field != "to") ||
		!strings.Contains(de.Detail, "01-01-2000") || !strings.Contains(de.Detail, "31-12-2100") {
		t.Fatalf("error %v, want date_out_of_range on from or to", err)
	}
	rec := httptest.NewRecorder()
	httpapi.WriteError(rec, listRequest(""), err)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("WriteError: %d %s", rec.Code, rec.Body)
	}
	return de.Fields[0].Field
}

// TestListQueryDateWindow: from and to lie from 2000-01-01 to 2100-12-31.
func TestListQueryDateWindow(t *testing.T) {
	for q, field := range map[string]string{"from=1999-12-31": "from", "to=2101-01-01": "to", "from=0000-01-01": "from",
		"to=9999-12-31": "to", "from=2026-03-01&to=9999-12-31": "to"} {
		_, err := listQuery(listRequest(q))
		if got := checkDateOutOfRange(t, err); got != field {
			t.Errorf("%s: names %s, want %s", q, got, field)
		}
	}
	for _, q := range []string{"from=2000-01-01&to=2100-12-31"} {
		if _, err := listQuery(listRequest(q)); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// TestListQueryToCoversRomeDay pins the end of the day: the last nanosecond
// of the date in Europe/Rome, so that a request at 23:59 Rome time on the
// "to" day is in, and one at 00:00 the next day is out.
func TestListQueryToCoversRomeDay(t *testing.T) {
	q, err := listQuery(listRequest("to=2026-03-11"))
	if err != nil {
		t.Fatal(err)
	}
	if want := endOfRomeDay(2026, time.March, 11); !q.To.Equal(want) {
		t.Fatalf("To = %v, want %v", q.To, want)
	}
	if in := time.Date(2026, 3, 11, 22, 59, 59, 0, time.UTC); q.To.Before(in) { // 23:59:59 in Rome
		t.Fatalf("To %v excludes %v", q.To, in)
	}
	if out := time.Date(2026, 3, 11, 23, 0, 0, 0, time.UTC); !q.To.Before(out) { // midnight in Rome
		t.Fatalf("To %v includes %v", q.To, out)
	}
	if got := q.To.In(clock.Rome).Format(time.RFC3339Nano); got != "2026-03-11T23:59:59.999999999+01:00" {
		t.Fatalf("To = %s", got)
	}
}

// sameQuery compares with time.Time.Equal, not ==.
func sameQuery(a, b store.ListQuery) bool {
	at, bt := a, b
	at.From, at.To, bt.From, bt.To = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return at == bt && a.From.Equal(b.From) && a.To.Equal(b.To)
}

var midnight = "00:00:00.000000000"

// FuzzListQuery: listQuery never panics; it fails only with a 400
// malformed_request naming a parameter; what it accepts is in range.
func FuzzListQuery(f *testing.F) {
	for _, s := range []string{"", "state=APERTA&limit=10", "limit=0", "limit=101", "limit=abc",
		"from=2026-03-12&to=2026-03-11", "from=2026-03-29&to=2026-03-29", "office=%zz", "a=1;b=2",
		"office=suap-cs&basin=b&assignee=u&praticaNumber=1&subject=x&cursor=c", "from=0000-01-01&to=9999-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := listQuery(listRequest(raw))
		if errors.Is(err, domain.DateOutOfRange("")) {
			checkDateOutOfRange(t, err)
			return
		}
		if err != nil {
			checkQueryError(t, err)
			return
		}
		for _, d := range []time.Time{q.From, q.To} {
			if !d.IsZero() && !workdays.DateOf(d).InWindow() {
				t.Fatalf("%q: date %v outside the window accepted", raw, d)
			}
		}
		if q.Limit < 0 || q.Limit > 100 {
			t.Fatalf("%q: limit %d", raw, q.Limit)
		}
		if q.State != "" && !q.State.Valid() {
			t.Fatalf("%q: state %q", raw, q.State)
		}
		if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
			t.Fatalf("%q: from %v after to %v", raw, q.From, q.To)
		}
		for _, id := range []string{q.OfficeID, q.BasinID, q.Assignee} {
			if id != "" && !domain.ValidID(id) {
				t.Fatalf("%q: identifier %q accepted", raw, id)
			}
		}
		if utf8.RuneCountInString(q.Subject) > domain.MaxSubjectLen || utf8.RuneCountInString(q.PraticaNumber) > domain.MaxPraticaNumberLen {
			t.Fatalf("%q: text too long accepted", raw)
		}
		if !q.From.IsZero() && q.From.In(clock.Rome).Format("15:04:05.000000000") != midnight {
			t.Fatalf("%q: from %v is not midnight in Rome", raw, q.From)
		}
		if !q.To.IsZero() && q.To.Add(time.Nanosecond).In(clock.Rome).Format("15:04:05.000000000") != midnight {
			t.Fatalf("%q: to %v is not the end of a Rome day", raw, q.To)
		}
	})
}
