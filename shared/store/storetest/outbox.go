package storetest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"suapcds/shared/domain"
	"suapcds/shared/store"
)

// lease is the claim lease the outbox cases use.
const lease = 5 * time.Minute

// outboxOf creates a request on a new pratica and returns the id of its
// request_created outbox item.
func (e *env) outboxOf(praticaID string) string {
	e.t.Helper()
	p := e.pratica(praticaID, "suap-africo", "")
	r := e.request(p, e.base, "consegna "+praticaID)
	e.mustCreate(r)
	return store.OutboxID(domain.OutboxEvent{Kind: domain.EventRequestCreated, SubjectID: r.ID, Seq: 1})
}

func (e *env) delivery(id string) *store.OutboxDelivery {
	e.t.Helper()
	d, err := e.repo.GetOutboxDelivery(e.ctx, id)
	if err != nil {
		e.t.Fatalf("outbox %s: %v", id, err)
	}
	return d
}

// testOutboxDelivery: the claim / sent / skip / release cycle of notify's
// exactly-once delivery, a crashed claimer's item taken over after the
// lease, and concurrent claims of which exactly one wins.
func testOutboxDelivery(t *testing.T, e *env) {
	t.Run("ClaimThenSent", func(t *testing.T) {
		id := e.outboxOf("OB1")
		c, err := e.repo.ClaimOutbox(e.ctx, id, e.base, lease)
		if err != nil {
			t.Fatal(err)
		}
		if c.Item.ID != id || c.Item.Kind != string(domain.EventRequestCreated) || c.Attempts != 1 || c.Token == "" {
			t.Errorf("claim: %+v", c)
		}
		if d := e.delivery(id); d.Status != store.OutboxStatusSending || d.ClaimToken != c.Token || !d.ClaimedAt.Equal(e.base) {
			t.Errorf("after claim: %+v", d)
		}
		if _, err := e.repo.ClaimOutbox(e.ctx, id, e.base.Add(time.Minute), lease); !errors.Is(err, store.ErrOutboxBusy) {
			t.Errorf("second claim within the lease: %v, want busy", err)
		}
		if err := e.repo.MarkOutboxSent(e.ctx, c, e.base.Add(time.Second), "ses-1"); err != nil {
			t.Fatal(err)
		}
		d := e.delivery(id)
		if d.Status != store.OutboxStatusSent || d.MessageID != "ses-1" || !d.DoneAt.Equal(e.base.Add(time.Second)) {
			t.Errorf("after sent: %+v", d)
		}
		// The event's own data is untouched by the delivery writes.
		if d.SubjectID == "" || d.Kind != string(domain.EventRequestCreated) || d.ExpiresAt == 0 {
			t.Errorf("event data lost: %+v", d)
		}
		// Sent is final, whatever the lease.
		if _, err := e.repo.ClaimOutbox(e.ctx, id, e.base.Add(24*time.Hour), lease); !errors.Is(err, store.ErrOutboxDone) {
			t.Errorf("claim of a sent item: %v, want done", err)
		}
	})

	t.Run("ReleaseThenClaimAgain", func(t *testing.T) {
		id := e.outboxOf("OB2")
		c1, err := e.repo.ClaimOutbox(e.ctx, id, e.base, lease)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.repo.ReleaseOutbox(e.ctx, c1); err != nil {
			t.Fatal(err)
		}
		if d := e.delivery(id); d.Status != store.OutboxStatusPending {
			t.Errorf("after release: %+v", d)
		}
		c2, err := e.repo.ClaimOutbox(e.ctx, id, e.base.Add(time.Second), lease)
		if err != nil {
			t.Fatalf("claim after release: %v", err)
		}
		if c2.Attempts != 2 || c2.Token == c1.Token {
			t.Errorf("second claim: attempts %d, token reused %v", c2.Attempts, c2.Token == c1.Token)
		}
		// The released claim can no longer finish the item.
		if err := e.repo.MarkOutboxSent(e.ctx, c1, e.base, "x"); !errors.Is(err, store.ErrClaimLost) {
			t.Errorf("sent through a released claim: %v, want claim lost", err)
		}
	})

	t.Run("ExpiredClaimTakenOver", func(t *testing.T) {
		id := e.outboxOf("OB3")
		crashed, err := e.repo.ClaimOutbox(e.ctx, id, e.base, lease)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.repo.ClaimOutbox(e.ctx, id, e.base.Add(lease-time.Second), lease); !errors.Is(err, store.ErrOutboxBusy) {
			t.Errorf("claim just before the lease ends: %v, want busy", err)
		}
		next, err := e.repo.ClaimOutbox(e.ctx, id, e.base.Add(lease), lease)
		if err != nil {
			t.Fatalf("claim after the lease: %v", err)
		}
		if err := e.repo.MarkOutboxSent(e.ctx, crashed, e.base.Add(lease), "late"); !errors.Is(err, store.ErrClaimLost) {
			t.Errorf("the expired claim marked the item: %v, want claim lost", err)
		}
		if err := e.repo.MarkOutboxSent(e.ctx, next, e.base.Add(lease), "ses-2"); err != nil {
			t.Fatal(err)
		}
		if d := e.delivery(id); d.Status != store.OutboxStatusSent || d.MessageID != "ses-2" || d.Attempts != 2 {
			t.Errorf("after takeover: %+v", d)
		}
	})

	t.Run("Skip", func(t *testing.T) {
		id := e.outboxOf("OB4")
		c, err := e.repo.ClaimOutbox(e.ctx, id, e.base, lease)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.repo.SkipOutbox(e.ctx, c, e.base, "unknown_kind"); err != nil {
			t.Fatal(err)
		}
		if d := e.delivery(id); d.Status != store.OutboxStatusSkipped || d.SkipReason != "unknown_kind" {
			t.Errorf("after skip: %+v", d)
		}
		if _, err := e.repo.ClaimOutbox(e.ctx, id, e.base.Add(time.Hour), lease); !errors.Is(err, store.ErrOutboxDone) {
			t.Errorf("claim of a skipped item: %v, want done", err)
		}
	})

	t.Run("Missing", func(t *testing.T) {
		if _, err := e.repo.ClaimOutbox(e.ctx, "nessuno.request_created.1", e.base, lease); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("claim of a missing item: %v, want not found", err)
		}
	})

	t.Run("ConcurrentClaimsOneWins", func(t *testing.T) {
		for round, status := range []string{"fresh", "released"} {
			id := e.outboxOf([]string{"OB5", "OB6"}[round])
			if status == "released" {
				c, err := e.repo.ClaimOutbox(e.ctx, id, e.base, lease)
				if err != nil {
					t.Fatal(err)
				}
				if err := e.repo.ReleaseOutbox(e.ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			const n = 8
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = e.repo.ClaimOutbox(e.ctx, id, e.base, lease)
				}()
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, store.ErrOutboxBusy):
					t.Errorf("%s: a losing claim failed with %v, want busy", status, err)
				}
			}
			if won != 1 {
				t.Errorf("%s: %d of %d concurrent claims won, want exactly 1", status, won, n)
			}
		}
	})
}

// dueIDs is the ids DueOutbox returns up to before, in its order.
func (e *env) dueIDs(before time.Time) []string {
	e.t.Helper()
	items, err := e.repo.DueOutbox(e.ctx, before, store.MaxPageSize)
	if err != nil {
		e.t.Fatalf("due outbox: %v", err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return ids
}

// testOutboxSweep: the sparse unsent index the sweep reads. An item is due
// from its creation; a claim hides it until its lease ends; a release makes
// it due again at once; SENT and SKIPPED take it out for good.
func testOutboxSweep(t *testing.T, e *env) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ev := func(n int64) domain.OutboxEvent {
		return domain.OutboxEvent{Kind: domain.EventReminderUnanswered, PraticaID: "SWEEP", Seq: n, At: t0}
	}
	if err := e.repo.Enqueue(e.ctx, nil, ev(1), ev(2), ev(3)); err != nil {
		t.Fatal(err)
	}
	a, b, c := store.OutboxID(ev(1)), store.OutboxID(ev(2)), store.OutboxID(ev(3))
	same := func(what string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: due %q, want %q", what, got, want)
		}
	}
	same("before creation", e.dueIDs(t0.Add(-time.Nanosecond)))
	same("at creation", e.dueIDs(t0), a, b, c)

	claimA, err := e.repo.ClaimOutbox(e.ctx, a, t0.Add(time.Minute), lease)
	if err != nil {
		t.Fatal(err)
	}
	same("a claimed, within its lease", e.dueIDs(t0.Add(5*time.Minute)), b, c)
	same("a's lease over", e.dueIDs(t0.Add(time.Minute+lease)), b, c, a)

	claimB, err := e.repo.ClaimOutbox(e.ctx, b, t0.Add(2*time.Minute), lease)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.repo.MarkOutboxSent(e.ctx, claimB, t0.Add(2*time.Minute), "m-b"); err != nil {
		t.Fatal(err)
	}
	claimC, err := e.repo.ClaimOutbox(e.ctx, c, t0.Add(3*time.Minute), lease)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.repo.SkipOutbox(e.ctx, claimC, t0.Add(3*time.Minute), "unknown_kind"); err != nil {
		t.Fatal(err)
	}
	same("b sent, c skipped", e.dueIDs(t0.Add(24*time.Hour)), a)

	// A dead claimer's item is taken over, then given back after a failure:
	// due again from the new claim's time.
	claimA2, err := e.repo.ClaimOutbox(e.ctx, a, t0.Add(10*time.Minute), lease)
	if err != nil {
		t.Fatalf("take over after the lease: %v", err)
	}
	if err := e.repo.MarkOutboxSent(e.ctx, claimA, t0.Add(10*time.Minute), "late"); !errors.Is(err, store.ErrClaimLost) {
		t.Errorf("the dead claimer's mark: %v, want claim lost", err)
	}
	same("a claimed again", e.dueIDs(t0.Add(11*time.Minute)))
	if err := e.repo.ReleaseOutbox(e.ctx, claimA2); err != nil {
		t.Fatal(err)
	}
	same("a released", e.dueIDs(t0.Add(10*time.Minute)), a)
	if d := e.delivery(a); d.Status != store.OutboxStatusPending || d.Attempts != 2 {
		t.Errorf("a after release: %+v", d)
	}
	claimA3, err := e.repo.ClaimOutbox(e.ctx, a, t0.Add(11*time.Minute), lease)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.repo.MarkOutboxSent(e.ctx, claimA3, t0.Add(11*time.Minute), "m-a"); err != nil {
		t.Fatal(err)
	}
	same("all delivered", e.dueIDs(t0.Add(24*time.Hour)))
}
