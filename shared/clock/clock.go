// Package clock gives the rest of the code an injectable notion of "now" and the
// Europe/Rome location every user-facing date is computed in.
//
// The tz database is embedded (time/tzdata) so that Lambda's provided.al2023
// image, which has no zoneinfo for Go, and any test machine agree on Rome's
// offsets, daylight saving time included.
package clock

import (
	"sync"
	"time"
	_ "time/tzdata" // Europe/Rome must not depend on the host's zoneinfo.
)

// Rome is the Europe/Rome location. Dates shown to people and every working-day
// rule are computed in it.
var Rome = mustLoad("Europe/Rome")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("clock: embedded tzdata lacks " + name + ": " + err.Error())
	}
	return loc
}

// Clock tells the current time. Functions take one so tests can fix it.
type Clock interface {
	Now() time.Time
}

// System is the real clock.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// Fixed is a settable clock for tests. The zero value reads as the zero time.
type Fixed struct {
	mu sync.Mutex
	t  time.Time
}

// NewFixed returns a Fixed clock reading t.
func NewFixed(t time.Time) *Fixed { return &Fixed{t: t} }

// Now returns the clock's current reading.
func (f *Fixed) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

// Set moves the clock to t.
func (f *Fixed) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = t
}

// Advance moves the clock forward by d.
func (f *Fixed) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}
