// Package app holds the use cases the API functions expose: each checks who
// may act, applies the domain's rules and commits one change through the
// store port. HTTP handlers only decode, call one method and encode.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/store"
	"suapcds/shared/workdays"
)

// Store is what the use cases need of the store port.
type Store interface {
	store.Store
	store.Rooms
	store.Conferences
}

// Service runs the use cases of the operators and of the regional service.
type Service struct {
	store    Store
	clock    clock.Clock
	logger   *slog.Logger
	leadDays int

	// files and fileMaxBytes are the conferences' files (Deps.Files).
	files        RecordingFiles
	fileMaxBytes int64
	recordings   *Recordings

	calendars sync.Map // office id + holidays → *workdays.Calendar
}

// Deps are what the use cases are built from: the one struct each
// function's Deps carries, filled alike by its main, the local run, the
// tests and the bench.
type Deps struct {
	// Store, Clock and Logger are required.
	Store  Store
	Clock  clock.Clock
	Logger *slog.Logger
	// LeadDays is the booking lead time in working days (docs/rules.md: 2);
	// below 1 means the default.
	LeadDays int
	// Files is the bucket of the conferences' files (prefix conferences/)
	// and of the recordings. A function that handles neither leaves it nil;
	// those use cases then fail.
	Files RecordingFiles
	// FileMaxBytes caps a conference file and RecordingMaxBytes a
	// recording; below 1 means DefaultConferenceFileMaxBytes and
	// DefaultRecordingMaxBytes.
	FileMaxBytes, RecordingMaxBytes int64
}

// New returns the Service of d, with its recording use cases
// (Service.Recordings); an error names a missing requirement.
func New(d Deps) (*Service, error) {
	if d.Store == nil || d.Clock == nil || d.Logger == nil {
		return nil, errors.New("app: Deps needs a Store, a Clock and a Logger")
	}
	if d.LeadDays < 1 {
		d.LeadDays = workdays.DefaultLeadDays
	}
	if d.FileMaxBytes < 1 {
		d.FileMaxBytes = DefaultConferenceFileMaxBytes
	}
	if d.RecordingMaxBytes < 1 {
		d.RecordingMaxBytes = DefaultRecordingMaxBytes
	}
	s := &Service{store: d.Store, clock: d.Clock, logger: d.Logger, leadDays: d.LeadDays, files: d.Files, fileMaxBytes: d.FileMaxBytes}
	s.recordings = &Recordings{svc: s, files: d.Files, maxBytes: d.RecordingMaxBytes, logger: d.Logger}
	return s, nil
}

// Recordings are the recording use cases on the same store and bucket.
func (s *Service) Recordings() *Recordings { return s.recordings }

// LeadDays is the configured lead time.
func (s *Service) LeadDays() int { return s.leadDays }

// calendar returns the working-day calendar of an office, built once per
// office and holiday set.
func (s *Service) calendar(o *domain.Office) (*workdays.Calendar, error) {
	if len(o.LocalHolidays) == 0 {
		return workdays.National(), nil
	}
	var k strings.Builder
	k.WriteString(o.ID)
	for _, h := range o.LocalHolidays {
		fmt.Fprintf(&k, "|%d-%d", h.Month, h.Day)
	}
	if c, ok := s.calendars.Load(k.String()); ok {
		return c.(*workdays.Calendar), nil
	}
	c, err := workdays.New(o.LocalHolidays...)
	if err != nil {
		return nil, fmt.Errorf("office %s: %w", o.ID, err)
	}
	s.calendars.Store(k.String(), c)
	return c, nil
}

// errUnknownOffice is a pratica registered for an office not configured.
var errUnknownOffice = &domain.Error{Kind: domain.KindInvalid, Code: "unknown_office",
	Detail: "La struttura SUAP indicata non è configurata nel sistema: contattare l'amministratore regionale."}

// operatorOnly refuses every role but the SUAP-side ones.
func operatorOnly(who domain.Principal) error {
	if !who.SUAPSide() {
		return domain.ErrForbidden
	}
	return nil
}

// visiblePratica loads a pratica the principal may read: its office's or
// basin's operators, and the regional service when managers is set. Others
// get not-found, so existence does not leak.
func (s *Service) visiblePratica(ctx context.Context, who domain.Principal, id string, managers bool) (*domain.Pratica, error) {
	if !domain.ValidID(id) {
		return nil, domain.ErrNotFound
	}
	p, err := s.store.GetPratica(ctx, id)
	if err != nil {
		return nil, err
	}
	return visible(who, p, managers)
}

// praticaToChange is visiblePratica for a change that follows: the same
// call reads the pratica's history head (store.PraticaToChange).
func (s *Service) praticaToChange(ctx context.Context, who domain.Principal, id string) (*domain.Pratica, error) {
	if !domain.ValidID(id) {
		return nil, domain.ErrNotFound
	}
	p, _, err := s.store.PraticaToChange(ctx, id, "")
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, domain.ErrNotFound
	}
	return visible(who, p, false)
}

func visible(who domain.Principal, p *domain.Pratica, managers bool) (*domain.Pratica, error) {
	if who.CanActOn(p.OfficeID, p.BasinID) || (managers && who.Role == domain.RoleManager) {
		return p, nil
	}
	return nil, domain.ErrNotFound
}
