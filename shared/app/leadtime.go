// The scheduled lead-time validator (docs/rules.md §2):
// every hour it walks the live booking requests and
//
//   - reminds the regional service, once, of an APERTA request whose meeting
//     is now inside the lead time (today, in Europe/Rome, is after the
//     office's last request day for the meeting) and still has no answer
//     (outbox kind reminder_unanswered, sequence 1);
//   - closes an APERTA request whose meeting has started without an answer:
//     NON_DISPONIBILE with reason "scaduta senza riscontro" (the Decline
//     transition, by domain.System), so the requester is told (outbox kind
//     state_changed);
//   - reminds the service, once, of an IN_ELABORAZIONE request with recording
//     whose meeting ended more than domain.RecordingGraceDays working days
//     ago (outbox kind reminder_recording, sequence 1).
//
// It reads the byState index (store.ListRequests with a State), never
// scans, and reads at most MaxPages pages per state per run. It is
// idempotent: a reminder's outbox id is fixed (<requestId>.<kind>.1), so a
// reminder already enqueued is found and skipped, and an expiry is a
// version-conditioned update, so a request answered meanwhile is left alone.
// A second run over unchanged data writes nothing.
//
// The leadtime function runs it hourly (Lambda) or on a ticker (local run).

package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"suapcds/shared/domain"
	"suapcds/shared/store"
	"suapcds/shared/workdays"
)

// DefaultLeadTimeMaxPages bounds the pages read per state per run: 50
// pages of store.MaxPageSize are 5,000 live requests of one state, more
// than a region's yearly volume.
const DefaultLeadTimeMaxPages = 50

// LeadTimeOptions bounds one run of the validator.
type LeadTimeOptions struct {
	// MaxPages bounds the index pages read per state per run; below 1
	// means DefaultLeadTimeMaxPages. When reached the run says so (capped)
	// and the rest waits for the next run.
	MaxPages int
	// PageSize is the requests per page; below 1 means store.MaxPageSize.
	PageSize int
}

// LeadTimeResult counts what one run did. It is the Lambda's answer and the fields
// of the run's log line.
type LeadTimeResult struct {
	// Read is how many requests the run read from the byState index.
	Read int `json:"read"`
	// Pages is how many index pages it read.
	Pages int `json:"pages"`
	// Capped names the states whose pages hit MaxPages (the rest waits
	// for the next run); empty normally.
	Capped []domain.State `json:"capped,omitempty"`
	// RemindedUnanswered, Expired and RemindedRecording count the changes
	// this run committed.
	RemindedUnanswered int `json:"remindedUnanswered"`
	Expired            int `json:"expired"`
	RemindedRecording  int `json:"remindedRecording"`
	// AlreadyDone counts reminders found already enqueued by an earlier run.
	AlreadyDone int `json:"alreadyDone"`
	// Conflicts counts requests changed by someone else meanwhile (e.g.
	// answered by the service), skipped.
	Conflicts int `json:"conflicts"`
	// Failed counts requests that could not be handled (logged); the run
	// then returns an error, and the next run tries them again.
	Failed int `json:"failed"`
}

// Changed is how many changes the run committed.
func (r LeadTimeResult) Changed() int { return r.RemindedUnanswered + r.Expired + r.RemindedRecording }

// CheckLeadTimes is one run of the validator (see above): it logs one line
// with the counts (attrs added, e.g. the schedule's event id) and returns
// them; an error says some requests failed and the next run retries them.
func (s *Service) CheckLeadTimes(ctx context.Context, o LeadTimeOptions, attrs ...slog.Attr) (LeadTimeResult, error) {
	if o.MaxPages < 1 {
		o.MaxPages = DefaultLeadTimeMaxPages
	}
	if o.PageSize < 1 || o.PageSize > store.MaxPageSize {
		o.PageSize = store.MaxPageSize
	}
	start := time.Now()
	r := &runState{s: s, o: o, now: s.clock.Now(), calendars: map[string]*workdays.Calendar{}}
	r.today = workdays.DateOf(r.now)
	var errs []error
	for _, st := range []domain.State{domain.StateOpen, domain.StateProcessing} {
		if err := r.walk(ctx, st); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", st, err))
		}
	}
	if r.res.Failed > 0 {
		errs = append(errs, fmt.Errorf("%d request(s) failed (see the log)", r.res.Failed))
	}
	err := errors.Join(errs...)
	res := r.res
	level := slog.LevelInfo
	switch {
	case err != nil:
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", err.Error()))
	case len(res.Capped) > 0:
		level = slog.LevelWarn
	}
	attrs = append(attrs,
		slog.Time("now", r.now), slog.Int("read", res.Read), slog.Int("pages", res.Pages),
		slog.Any("capped", res.Capped), slog.Int("maxPages", o.MaxPages),
		slog.Int("remindedUnanswered", res.RemindedUnanswered), slog.Int("expired", res.Expired),
		slog.Int("remindedRecording", res.RemindedRecording), slog.Int("alreadyDone", res.AlreadyDone),
		slog.Int("conflicts", res.Conflicts), slog.Int("failed", res.Failed),
		slog.Int64("durationMs", time.Since(start).Milliseconds()))
	s.logger.LogAttrs(ctx, level, "leadtime run", attrs...)
	return res, err
}

// runState is one run: its clock reading, counts and office calendars.
type runState struct {
	s         *Service
	o         LeadTimeOptions
	now       time.Time
	today     workdays.Date
	res       LeadTimeResult
	calendars map[string]*workdays.Calendar // by office id, for this run
}

// walk pages through the requests in state st, newest first, handling each.
// The order does not matter: every live request of the state is looked at
// (up to MaxPages), and handling one moves it out of the partition, which
// the cursor (a key, not an offset) does not mind.
func (r *runState) walk(ctx context.Context, st domain.State) error {
	q := store.ListQuery{State: st, Limit: r.o.PageSize}
	for page := 0; ; page++ {
		if page == r.o.MaxPages {
			r.res.Capped = append(r.res.Capped, st)
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := r.s.store.ListRequests(ctx, q)
		if err != nil {
			return err
		}
		r.res.Pages++
		r.res.Read += len(p.Items)
		for i := range p.Items {
			r.handle(ctx, &p.Items[i])
		}
		if p.Next == "" {
			return nil
		}
		q.Cursor = p.Next
	}
}

// handle decides what, if anything, request q needs now and does it.
func (r *runState) handle(ctx context.Context, q *domain.Request) {
	var err error
	switch {
	case q.State == domain.StateOpen && !r.now.Before(q.Start):
		err = r.expire(ctx, q)
	case q.State == domain.StateOpen:
		var cal *workdays.Calendar
		if cal, err = r.calendar(ctx, q.OfficeID); err == nil {
			last := cal.LastRequestDay(workdays.DateOf(q.Start), r.s.leadDays)
			if r.today.After(last) {
				err = r.remind(ctx, q, domain.ReminderUnansweredEvent(q, last, r.now), domain.OpReminderUnanswered,
					"Videoconferenza del "+domain.FormatRome(q.Start)+" ancora senza riscontro del servizio")
			}
		}
	case q.State == domain.StateProcessing && q.Recording:
		// The recording file does not exist in the system yet (recordings
		// land with issue 6): until then "no file" is exactly "still
		// IN_ELABORAZIONE", since acquiring the file makes the request EVASA.
		var cal *workdays.Calendar
		if cal, err = r.calendar(ctx, q.OfficeID); err == nil {
			ended := workdays.DateOf(q.End())
			due := cal.AddWorkdays(ended, domain.RecordingGraceDays)
			if r.today.After(due) {
				err = r.remind(ctx, q, domain.ReminderRecordingEvent(q, ended, due, r.now), domain.OpReminderRecording,
					"Registrazione della videoconferenza del "+domain.FormatRome(q.Start)+" non ancora acquisita")
			}
		}
	}
	if err != nil {
		r.res.Failed++
		r.s.logger.LogAttrs(ctx, slog.LevelError, "leadtime request failed",
			slog.String("requestId", q.ID), slog.String("state", string(q.State)), slog.String("error", err.Error()))
	}
}

// fresh re-reads request q from the table (strongly consistent): the index
// may lag behind a change just made. It reports false when q is no longer
// in state st (someone acted meanwhile).
func (r *runState) fresh(ctx context.Context, q *domain.Request, st domain.State) (*domain.Request, bool, error) {
	cur, err := r.s.store.GetRequest(ctx, q.ID)
	if err != nil {
		return nil, false, err
	}
	if cur.State != st {
		r.skipped(ctx, q, "state changed meanwhile")
		return nil, false, nil
	}
	return cur, true, nil
}

func (r *runState) skipped(ctx context.Context, q *domain.Request, why string) {
	r.res.Conflicts++
	r.s.logger.LogAttrs(ctx, slog.LevelInfo, "leadtime skip",
		slog.String("requestId", q.ID), slog.String("state", string(q.State)), slog.String("why", why))
}

// remind enqueues the reminder ev for q once, with its history entry.
func (r *runState) remind(ctx context.Context, q *domain.Request, ev domain.OutboxEvent, op domain.Operation, detail string) error {
	// Already sent by an earlier run: a read, not a failing write.
	switch _, err := r.s.store.GetOutbox(ctx, store.OutboxID(ev)); {
	case err == nil:
		r.res.AlreadyDone++
		return nil
	case !errors.Is(err, domain.ErrNotFound):
		return err
	}
	cur, ok, err := r.fresh(ctx, q, q.State)
	if !ok {
		return err
	}
	hist := domain.NewHistory(cur.PraticaID, domain.System, op, detail, r.now)
	hist.RequestID = cur.ID
	switch err := r.s.store.Enqueue(ctx, []domain.HistoryEntry{hist}, ev); {
	case errors.Is(err, store.ErrAlreadyEnqueued):
		r.res.AlreadyDone++ // a concurrent run won
	case err != nil:
		return err
	case ev.Kind == domain.EventReminderUnanswered:
		r.res.RemindedUnanswered++
	default:
		r.res.RemindedRecording++
	}
	return nil
}

// expire closes q, whose meeting has started without an answer.
func (r *runState) expire(ctx context.Context, q *domain.Request) error {
	cur, ok, err := r.fresh(ctx, q, domain.StateOpen)
	if !ok {
		return err
	}
	from := cur.State
	if err := cur.Apply(domain.Decline, r.now); err != nil {
		return err
	}
	cur.StateReason = domain.ReasonExpired
	hist := domain.NewHistory(cur.PraticaID, domain.System, domain.OpRequestExpired,
		"Videoconferenza del "+domain.FormatRome(cur.Start)+": stato "+cur.State.Label(), r.now)
	// Seq is the version the update writes, as for every state change.
	ev := domain.StateChangedEvent(cur, from, domain.ReasonExpired, r.now)
	switch err := r.s.store.UpdateRequest(ctx, cur, []domain.HistoryEntry{hist}, ev); {
	case errors.Is(err, domain.ErrConflict), errors.Is(err, store.ErrAlreadyEnqueued):
		// Answered (or expired by a concurrent run) between the read and
		// the write: nothing to do.
		r.skipped(ctx, q, "changed before the expiry was written")
	case err != nil:
		return err
	default:
		r.res.Expired++
	}
	return nil
}

// calendar returns the working-day calendar of an office, its office read
// once per run (its local holidays may change between runs) and its
// calendar built once per process (Service.calendar). An office no longer
// configured falls back to the national calendar, with a warning: the
// validator keeps reminding rather than stop at a request it cannot date
// (an operator's request for that office is refused, unknown_office).
func (r *runState) calendar(ctx context.Context, officeID string) (*workdays.Calendar, error) {
	if c, ok := r.calendars[officeID]; ok {
		return c, nil
	}
	c := workdays.National()
	o, err := r.s.store.GetOffice(ctx, officeID)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		r.s.logger.LogAttrs(ctx, slog.LevelWarn, "leadtime office not configured: national calendar",
			slog.String("officeId", officeID))
	case err != nil:
		return nil, err
	default:
		if c, err = r.s.calendar(o); err != nil {
			return nil, err
		}
	}
	r.calendars[officeID] = c
	return c, nil
}
