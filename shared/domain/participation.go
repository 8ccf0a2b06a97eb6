package domain

import (
	"slices"
	"time"

	"suapcds/shared/workdays"
)

// Participation is what one body did in one conference (docs/rules.md §8):
// its determination and its request for integrations. A body convened to a
// session and without a record yet has done nothing; Panel treats it as an
// empty Participation.
type Participation struct {
	ConferenceID string
	BodyID       string
	// Name is the body's name as convened.
	Name string
	// Determination is the body's current determination, nil while none.
	Determination *Determination
	// Integrations is the body's request for integrations, nil while none:
	// at most one per body and conference.
	Integrations *IntegrationsRequest
	// Version counts committed changes; 0 means new.
	Version int64
}

// IntegrationsRequest is a body's request for additional documents
// (richiesta di integrazioni documentali, art. 14-bis c.2 b): from
// RequestedAt until SuppliedAt, when the office sends them, the
// conference's terms are suspended.
type IntegrationsRequest struct {
	RequestedAt time.Time
	// Documents says what the body asks for.
	Documents string
	// SuppliedAt is when the office sent the integrations (zero while
	// awaited); SuppliedFileKey their file, when uploaded.
	SuppliedAt      time.Time
	SuppliedFileKey string
}

// Pending reports whether the integrations are still awaited.
func (r *IntegrationsRequest) Pending() bool { return r.SuppliedAt.IsZero() }

// RequestedOn and SuppliedOn are the Europe/Rome days of the request and of
// the answer (zero while awaited).
func (r *IntegrationsRequest) RequestedOn() workdays.Date { return workdays.DateOf(r.RequestedAt) }

// SuppliedOn: see RequestedOn.
func (r *IntegrationsRequest) SuppliedOn() workdays.Date {
	if r.Pending() {
		return workdays.Date{}
	}
	return workdays.DateOf(r.SuppliedAt)
}

// Suspension is how long the terms of a conference have stood still for
// the bodies' requests for integrations, as of a day.
type Suspension struct {
	// Days is the number of calendar days suspended: the days of the union
	// of the periods [request day, answer day), a still pending one
	// counted up to the day asked about.
	Days int
	// Pending says the terms are suspended on that day; Since is then the
	// first day of the period still running.
	Pending bool
	Since   workdays.Date
}

// SuspensionOf computes the suspension of a conference's terms on day
// today from its bodies' records: requests made after today are ignored
// (so it also answers "as of the day of a later request"), and overlapping
// periods count once. Days are calendar days, like the terms they
// lengthen: a period from Thursday 24 to Monday 28 December counts 4,
// holidays included; a request answered on its own day counts 0.
func SuspensionOf(parts []Participation, today workdays.Date) Suspension {
	type period struct {
		from, to workdays.Date
		running  bool // still awaited on today
	}
	var ps []period
	for i := range parts {
		r := parts[i].Integrations
		if r == nil || r.RequestedOn().After(today) {
			continue
		}
		p := period{from: r.RequestedOn(), to: today, running: true}
		if !r.Pending() && !r.SuppliedOn().After(today) {
			p.to, p.running = r.SuppliedOn(), false
		}
		if p.to.Before(p.from) {
			p.to = p.from
		}
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		return Suspension{}
	}
	slices.SortFunc(ps, func(a, b period) int { return a.from.Compare(b.from) })
	var s Suspension
	cur := ps[0]
	for _, p := range ps[1:] {
		if p.from.After(cur.to) {
			s.Days += daysBetween(cur.from, cur.to)
			cur = p
			continue
		}
		if p.to.After(cur.to) {
			cur.to = p.to
		}
		cur.running = cur.running || p.running
	}
	s.Days += daysBetween(cur.from, cur.to)
	// A running period ends on today, so it was merged into the last one.
	if cur.running {
		s.Pending, s.Since = true, cur.from
	}
	return s
}

// daysBetween is the number of calendar days from a to b (negative when b
// is before a).
func daysBetween(a, b workdays.Date) int {
	ta := time.Date(a.Year, a.Month, a.Day, 12, 0, 0, 0, time.UTC)
	tb := time.Date(b.Year, b.Month, b.Day, 12, 0, 0, 0, time.UTC)
	return int(tb.Sub(ta).Hours() / 24)
}

// SuspendedDeadlines computes the legal deadlines of c as Deadlines does,
// with the asynchronous terms (documents request, determinations)
// lengthened by the suspension s: each natural end moves by s.Days calendar
// days and then, when it falls on a non-working day, to the next working
// day.
func SuspendedDeadlines(cal *workdays.Calendar, c *Conference, firstMeeting workdays.Date, s Suspension) []Deadline {
	return deadlines(cal, c, firstMeeting, s)
}
