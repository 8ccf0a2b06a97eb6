package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"suapcds/shared/domain"
	"suapcds/shared/store"
	"suapcds/shared/store/dynamo"
	"suapcds/shared/store/dynamo/dynamotest"
)

// listCost is what one list page read at one table size.
type listCost struct {
	list            string
	tableSize       int
	returned        int
	queries, read   int
	capacity        float64
	fill            time.Duration // to reach tableSize (0 when already there)
	fillConcurrency int
}

// pageCosts fills a fresh DynamoDB Local table to each size (as the store
// contract's PageCost does: two offices in two basins, a third of the
// requests declined) and reads one page of each Videoconferenza list.
func pageCosts(ctx context.Context, endpoint string, sizes []int, pageSize, workers int) ([]listCost, error) {
	client := dynamo.NewClient(dynamotest.Config(), endpoint)
	table := fmt.Sprintf("suapcds-bench-pages-%d", time.Now().UnixNano())
	if err := dynamo.CreateTable(ctx, client, table); err != nil {
		return nil, err
	}
	defer dropTable(client, table)
	var mu sync.Mutex
	var queries, read int
	var capacity float64
	st, err := store.New(dynamo.New(client, table), store.Options{CursorKey: []byte("bench-cursor-key-0123456789"),
		OnQuery: func(_ string, r store.QueryResult) {
			mu.Lock()
			defer mu.Unlock()
			queries++
			read += r.Scanned
			capacity += r.CapacityUnits
		}})
	if err != nil {
		return nil, err
	}
	base := time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC)
	var out []listCost
	have := 0
	for _, size := range sizes {
		t0 := time.Now()
		if err := fillRequests(ctx, st, base, have, size, workers); err != nil {
			return out, err
		}
		fill := time.Since(t0)
		have = size
		for i, lq := range []struct {
			name string
			q    store.ListQuery
		}{
			{"by office", store.ListQuery{OfficeID: "office-a"}},
			{"by basin", store.ListQuery{BasinID: "basin-b"}},
			{"by state", store.ListQuery{State: domain.StateOpen}},
			{"all", store.ListQuery{}},
		} {
			lq.q.Limit = pageSize
			mu.Lock()
			queries, read, capacity = 0, 0, 0
			mu.Unlock()
			page, err := st.ListRequests(ctx, lq.q)
			if err != nil {
				return out, err
			}
			mu.Lock()
			c := listCost{list: lq.name, tableSize: size, returned: len(page.Items), queries: queries, read: read, capacity: capacity}
			mu.Unlock()
			if i == 0 {
				c.fill, c.fillConcurrency = fill, workers
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// fillRequests adds requests from..to-1, each on a pratica of its own,
// with workers at once.
func fillRequests(ctx context.Context, st *store.Repo, base time.Time, from, to, workers int) error {
	next := make(chan int)
	var failed atomic.Value
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := fillOne(ctx, st, base, i); err != nil {
					failed.CompareAndSwap(nil, err)
				}
			}
		})
	}
	for i := from; i < to; i++ {
		if failed.Load() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	return nil
}

func fillOne(ctx context.Context, st *store.Repo, base time.Time, i int) error {
	office, basin := "office-a", "basin-b"
	if i%2 == 1 {
		office, basin = "office-c", "basin-d"
	}
	id := fmt.Sprintf("bench-%05d", i)
	p := &domain.Pratica{ID: id, Number: id, OfficeID: office, BasinID: basin, ProcedureType: domain.ProcOrdinario}
	if err := st.SavePratica(ctx, p); err != nil {
		return err
	}
	created := base.Add(time.Duration(i) * time.Minute)
	who := domain.Principal{UserID: "u-" + office, Name: "Operatore", Role: domain.RoleSuapOperator, OfficeID: office}
	r := &domain.Request{ID: fmt.Sprintf("req-%05d", i), PraticaID: id, PraticaNumber: id, OfficeID: office, OfficeName: office,
		BasinID: basin, CreatedBy: who.UserID, CreatedByName: who.Name, CreatedByRole: who.Role,
		CreatedAt: created, UpdatedAt: created, Start: created.AddDate(0, 1, 0), DurationMinutes: 60,
		Email: "suap@" + office + ".example.it", Subject: fmt.Sprintf("Oggetto %d", i), State: domain.StateOpen}
	if err := st.CreateRequest(ctx, r, domain.NewHistory(id, who, domain.OpRequestCreated, "", created)); err != nil {
		return err
	}
	if i%3 == 0 {
		r.StateReason = "Sala non disponibile"
		if err := r.Apply(domain.Decline, created); err != nil {
			return err
		}
		return st.UpdateRequest(ctx, r, nil)
	}
	return nil
}
