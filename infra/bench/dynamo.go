package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	bookings "suapcds/functions/bookings"
	manager "suapcds/functions/manager"
	"suapcds/functions/pratiche"
	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/signedlink"
	"suapcds/shared/store"
	"suapcds/shared/store/dynamo"
	"suapcds/shared/store/dynamo/dynamotest"
)

// ddbCall is one DynamoDB API call as the SDK middleware saw it.
type ddbCall struct {
	op       string
	capacity float64 // capacity units consumed (read + write)
	failed   bool    // e.g. a transaction cancelled by its condition
}

// ddbCounter is an SDK middleware that records every call a client makes,
// asking DynamoDB for the consumed capacity where the input allows.
type ddbCounter struct {
	mu    sync.Mutex
	calls []ddbCall
}

// apiOption adds the counter to a client's stack (aws.Config.APIOptions).
func (c *ddbCounter) apiOption(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("suapcdsBenchCount",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			total := types.ReturnConsumedCapacityTotal
			switch p := in.Parameters.(type) {
			case *dynamodb.GetItemInput:
				p.ReturnConsumedCapacity = total
			case *dynamodb.QueryInput:
				p.ReturnConsumedCapacity = total
			case *dynamodb.TransactWriteItemsInput:
				p.ReturnConsumedCapacity = total
			case *dynamodb.TransactGetItemsInput:
				p.ReturnConsumedCapacity = total
			case *dynamodb.PutItemInput:
				p.ReturnConsumedCapacity = total
			case *dynamodb.UpdateItemInput:
				p.ReturnConsumedCapacity = total
			case *dynamodb.DeleteItemInput:
				p.ReturnConsumedCapacity = total
			case *dynamodb.BatchGetItemInput:
				p.ReturnConsumedCapacity = total
			case *dynamodb.BatchWriteItemInput:
				p.ReturnConsumedCapacity = total
			}
			out, md, err := next.HandleInitialize(ctx, in)
			c.mu.Lock()
			c.calls = append(c.calls, ddbCall{op: awsmiddleware.GetOperationName(ctx), capacity: consumed(out.Result), failed: err != nil})
			c.mu.Unlock()
			return out, md, err
		}), middleware.After)
}

// take returns the calls recorded since the last take.
func (c *ddbCounter) take() []ddbCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	calls := c.calls
	c.calls = nil
	return calls
}

// consumed sums the capacity units an output reports.
func consumed(result any) float64 {
	one := func(cc *types.ConsumedCapacity) float64 {
		if cc == nil || cc.CapacityUnits == nil {
			return 0
		}
		return *cc.CapacityUnits
	}
	many := func(ccs []types.ConsumedCapacity) float64 {
		var n float64
		for i := range ccs {
			n += one(&ccs[i])
		}
		return n
	}
	switch o := result.(type) {
	case *dynamodb.GetItemOutput:
		return one(o.ConsumedCapacity)
	case *dynamodb.QueryOutput:
		return one(o.ConsumedCapacity)
	case *dynamodb.ScanOutput:
		return one(o.ConsumedCapacity)
	case *dynamodb.PutItemOutput:
		return one(o.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		return one(o.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		return one(o.ConsumedCapacity)
	case *dynamodb.TransactWriteItemsOutput:
		return many(o.ConsumedCapacity)
	case *dynamodb.TransactGetItemsOutput:
		return many(o.ConsumedCapacity)
	case *dynamodb.BatchGetItemOutput:
		return many(o.ConsumedCapacity)
	case *dynamodb.BatchWriteItemOutput:
		return many(o.ConsumedCapacity)
	}
	return 0
}

// opCost is what one API operation cost on DynamoDB Local.
type opCost struct {
	sample string // events/<sample>.json
	status int
	calls  []ddbCall
}

// summary is "GetItem, TransactWriteItems" with repeated names counted.
func (o opCost) summary() string {
	var names []string
	count := map[string]int{}
	for _, c := range o.calls {
		name := c.op
		if c.failed {
			name += " (failed)"
		}
		if count[name] == 0 {
			names = append(names, name)
		}
		count[name]++
	}
	for i, n := range names {
		if count[n] > 1 {
			names[i] = fmt.Sprintf("%d× %s", count[n], n)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// writes tells a change: the operation committed a transaction.
func (o opCost) writes() bool {
	return slices.ContainsFunc(o.calls, func(c ddbCall) bool { return c.op == "TransactWriteItems" && !c.failed })
}

func (o opCost) capacity() float64 {
	var n float64
	for _, c := range o.calls {
		n += c.capacity
	}
	return n
}

// benchClock is when the operations run: the samples' meeting (11 March
// 2027) is bookable and the signed-link samples' token (valid until 7
// December 2026) is not expired.
var benchClock = time.Date(2026, time.December, 1, 10, 0, 0, 0, clock.Rome)

// sampleLinkKey signs the page samples' tokens (events/README.md).
const sampleLinkKey = "suapcds-events-sample-link-key-0123456789"

// sampleRequestID is the request the samples name.
const sampleRequestID = "01a207bd-a9c0-7881-8632-e0ebd4abffb7"

// floorCost is what a change with history cannot go below: one read of
// the item with its pratica's chain head (a BatchGetItem of two keys), then
// one TransactWriteItems of the item (version-checked), one new history
// entry, the head (conditioned) and one new outbox item, each under 1 KB and
// in no index. Measured on the same table as the operations, with the same
// counter, on items that exist as a change finds them.
func floorCost(ctx context.Context, b *dynamo.Backend, counter *ddbCounter) (opCost, error) {
	pad := strings.Repeat("x", 300)
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	item := func(k store.Key, version string) store.Item {
		return store.Item{"pk": s(k.PK), "sk": s(k.SK), "type": s("floor"), "data": s(pad),
			"version": &types.AttributeValueMemberN{Value: version}}
	}
	meta, head := store.Key{PK: "FLOOR#1", SK: "META"}, store.Key{PK: "FLOOR#1", SK: "HISTHEAD"}
	if err := b.Transact(ctx, []store.Write{{Put: item(meta, "1")}, {Put: item(head, "1")}}); err != nil {
		return opCost{}, err
	}
	counter.take()
	if _, err := b.GetMany(ctx, []store.Key{meta, head}); err != nil {
		return opCost{}, err
	}
	err := b.Transact(ctx, []store.Write{
		{Put: item(meta, "2"), Cond: store.Condition{Kind: store.CondVersion, Version: 1}},
		{Put: item(store.Key{PK: "FLOOR#1", SK: "HIST#2"}, "0"), Cond: store.Condition{Kind: store.CondNotExists}},
		{Put: item(head, "2"), Cond: store.Condition{Kind: store.CondVersion, Version: 1}},
		{Put: item(store.Key{PK: "FLOOR#OUT", SK: "OUTBOX"}, "0"), Cond: store.Condition{Kind: store.CondNotExists}},
	})
	if err != nil {
		return opCost{}, err
	}
	return opCost{sample: "floor", status: http.StatusOK, calls: counter.take()}, nil
}

// operationCosts replays every API sample of events/ through its
// function's handler (httpadapter.NewV2, as lambda.Start does) on a fresh
// DynamoDB Local table, in an office's order, and records the DynamoDB
// calls each makes.
func operationCosts(ctx context.Context, root, endpoint string) ([]opCost, opCost, error) {
	counter := &ddbCounter{}
	cfg := dynamotest.Config()
	cfg.APIOptions = append(cfg.APIOptions, counter.apiOption)
	client := dynamo.NewClient(cfg, endpoint)
	table := fmt.Sprintf("suapcds-bench-ops-%d", time.Now().UnixNano())
	if err := dynamo.CreateTable(ctx, client, table); err != nil {
		return nil, opCost{}, err
	}
	defer dropTable(client, table)
	backend := dynamo.New(client, table)
	floor, err := floorCost(ctx, backend, counter)
	if err != nil {
		return nil, opCost{}, fmt.Errorf("floor: %w", err)
	}
	costs, err := replayOperations(ctx, root, backend, counter)
	return costs, floor, err
}

// replayOperations is operationCosts' replay on backend b.
func replayOperations(ctx context.Context, root string, b *dynamo.Backend, counter *ddbCounter) ([]opCost, error) {
	st, err := store.New(b, store.Options{CursorKey: []byte("bench-cursor-key-0123456789")})
	if err != nil {
		return nil, err
	}
	clk := clock.NewFixed(benchClock)
	links, err := signedlink.New([]byte(sampleLinkKey), 0)
	if err != nil {
		return nil, err
	}
	// The functions' Deps as their mains fill them (no bucket: no
	// operation measured here reads one).
	a := app.Deps{Store: st, Clock: clk, Logger: slog.New(slog.DiscardHandler), LeadDays: 2}
	svc, err := app.New(a)
	if err != nil {
		return nil, err
	}
	pr, err := pratiche.New(pratiche.Deps{App: a})
	if err != nil {
		return nil, err
	}
	bk, err := bookings.New(bookings.Deps{App: a})
	if err != nil {
		return nil, err
	}
	mg, err := manager.New(manager.Deps{App: a, Links: links})
	if err != nil {
		return nil, err
	}
	handlers := map[string]*httpadapter.HandlerAdapterV2{
		"pratiche": httpadapter.NewV2(pr),
		"bookings": httpadapter.NewV2(bk),
		"manager":  httpadapter.NewV2(mg),
	}

	// What exists before the office's day: its office and the service's room.
	if err := st.PutOffice(ctx, domain.Office{ID: "suap-africo", Name: "Suap Comune Africo", BasinID: "bacino-locride",
		Email: "suap@comune.africo.rc.it", PEC: "suap.africo@pec.it"}); err != nil {
		return nil, err
	}
	admin := domain.Principal{UserID: "admin-1", Name: "Amministratore", Role: domain.RoleAdmin}
	if _, err := svc.PutRoom(ctx, admin, domain.Room{ID: "sala-1", Name: "Sala virtuale 1",
		DefaultLink: "https://meet.regione.calabria.it/sala-1", Active: true}); err != nil {
		return nil, err
	}
	counter.take()

	var costs []opCost
	replay := func(sample, requestID string) error {
		raw, err := os.ReadFile(filepath.Join(root, "events", sample+".json"))
		if err != nil {
			return err
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return fmt.Errorf("%s: %w", sample, err)
		}
		if requestID != "" { // the same call on another request
			ev.RawPath = strings.ReplaceAll(ev.RawPath, sampleRequestID, requestID)
			ev.RequestContext.HTTP.Path = strings.ReplaceAll(ev.RequestContext.HTTP.Path, sampleRequestID, requestID)
			ev.PathParameters["requestId"] = requestID
		}
		fn, _, _ := strings.Cut(sample, "-")
		h := handlers[fn]
		if h == nil {
			return fmt.Errorf("%s: no handler for %s", sample, fn)
		}
		counter.take()
		lc := &lambdacontext.LambdaContext{AwsRequestID: "bench-" + sample}
		res, err := h.ProxyWithContext(lambdacontext.NewContext(ctx, lc), ev)
		if err != nil {
			return fmt.Errorf("%s: %w", sample, err)
		}
		costs = append(costs, opCost{sample: sample, status: res.StatusCode, calls: counter.take()})
		if res.StatusCode >= 500 {
			return fmt.Errorf("%s: status %d: %s", sample, res.StatusCode, res.Body)
		}
		return nil
	}
	for _, s := range []string{"pratiche-put-pratica", "pratiche-get-pratica", "pratiche-cds-check", "pratiche-verifications",
		"bookings-create-request"} {
		if err := replay(s, ""); err != nil {
			return costs, err
		}
	}
	// The request samples name a fixed request: decline the one just made
	// and book that one (as functions/samples_test.go does); two more on
	// other pratiche, a day apart, for the manager's answers.
	others, err := placeSampleRequests(ctx, st, clk.Now())
	if err != nil {
		return costs, err
	}
	counter.take()
	for _, s := range []struct{ sample, request string }{
		{"bookings-pratica-requests", ""}, {"bookings-get-request", ""}, {"bookings-post-message", ""},
		{"bookings-last-day", ""}, {"bookings-communications", ""}, {"bookings-list-requests", ""}, {"pratiche-history", ""},
		{"manager-put-room", ""}, {"manager-list-rooms", ""},
		{"manager-page", ""}, {"manager-page-accept", ""},
		{"manager-request-rooms", others[0]}, {"manager-take", others[0]}, {"manager-accept", others[0]}, {"manager-cancel", others[0]},
		{"manager-decline", others[1]},
	} {
		if err := replay(s.sample, s.request); err != nil {
			return costs, err
		}
	}
	return costs, nil
}

// placeSampleRequests declines the request the create sample made, books
// its copy under the samples' fixed id, and two more copies on pratiche of
// their own, one and two days later; it returns those two ids.
func placeSampleRequests(ctx context.Context, st *store.Repo, now time.Time) ([]string, error) {
	reqs, err := st.PraticaRequests(ctx, "pratica-456", 5)
	if err != nil {
		return nil, err
	}
	if len(reqs) != 1 {
		return nil, fmt.Errorf("pratica-456 has %d requests, want the one just created", len(reqs))
	}
	booked := reqs[0]
	tmpl := booked
	booked.StateReason = "Sala non disponibile"
	if err := booked.Apply(domain.Decline, now); err != nil {
		return nil, err
	}
	if err := st.UpdateRequest(ctx, &booked, nil); err != nil {
		return nil, fmt.Errorf("declining the created request: %w", err)
	}
	p, err := st.GetPratica(ctx, "pratica-456")
	if err != nil {
		return nil, err
	}
	who := domain.Principal{UserID: tmpl.CreatedBy, Name: tmpl.CreatedByName, Role: tmpl.CreatedByRole, OfficeID: tmpl.OfficeID}
	var ids []string
	for i, id := range []string{sampleRequestID, "bench-request-b", "bench-request-c"} {
		r := tmpl
		r.ID, r.State, r.Version, r.MessageCount = id, domain.StateOpen, 0, 0
		r.CreatedAt = now.Add(time.Duration(i+1) * time.Minute)
		r.UpdatedAt = r.CreatedAt
		r.Start = tmpl.Start.AddDate(0, 0, i)
		if i > 0 {
			q := *p
			q.ID, q.Number = p.ID+"-"+id, p.Number+"-"+id
			q.Version = 0
			if err := st.SavePratica(ctx, &q); err != nil {
				return nil, fmt.Errorf("pratica %s: %w", q.ID, err)
			}
			r.PraticaID, r.PraticaNumber = q.ID, q.Number
			ids = append(ids, id)
		}
		if err := st.CreateRequest(ctx, &r, domain.NewHistory(r.PraticaID, who, domain.OpRequestCreated, "", r.CreatedAt)); err != nil {
			return nil, fmt.Errorf("booking %s: %w", id, err)
		}
	}
	return ids, nil
}

func dropTable(c *dynamodb.Client, table string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &table})
}

// statusOK: the sample was answered with a success.
func statusOK(s int) bool {
	return s >= 200 && s < 300 || s == http.StatusSeeOther || s == http.StatusFound
}
