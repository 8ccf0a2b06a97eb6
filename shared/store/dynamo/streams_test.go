package dynamo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"suapcds/shared/domain"
	"suapcds/shared/store"
	"suapcds/shared/store/dynamo"
	"suapcds/shared/store/embedded"
	"suapcds/shared/testenv"
)

// streamClients connects a table client and a streams client to DynamoDB
// Local. The Streams API has no CRC32 check to turn off.
func streamClients(t *testing.T) (*dynamodb.Client, *dynamodbstreams.Client) {
	endpoint := testenv.Endpoint(t, "DYNAMODB_ENDPOINT")
	cfg := aws.Config{
		Region:      "eu-south-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
	sc := dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(endpoint) })
	return dynamo.NewClient(cfg, endpoint), sc
}

// seqIDs makes the ids id-0001, id-0002, … so two repos given the same calls
// write the same keys.
func seqIDs() func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("id-%04d", n) }
}

// step is one store operation of the script; wantErr is the error it must
// fail with (a failed transaction must leave no record).
type step struct {
	name    string
	do      func(context.Context) error
	wantErr error
}

// script is the sequence of changes run on both backends, with fixed inputs.
func script(s *store.Repo) []step {
	t0 := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	who := domain.Principal{UserID: "u1", Name: "Mario Rossi", Role: domain.RoleSuapOperator}
	office := domain.Office{ID: "off1", Name: "SUAP Cagliari", BasinID: "b1", Email: "suap@example.it"}
	p := &domain.Pratica{
		ID: "p1", Number: "2025/001", OfficeID: "off1", BasinID: "b1", ProcedureType: domain.ProcConferenzaServizi,
		Bodies: []domain.BodyOffice{{BodyID: "ente1", OfficeID: "uff1", Name: "Ufficio tecnico"}},
	}
	r := &domain.Request{
		PraticaID: "p1", PraticaNumber: "2025/001", OfficeID: "off1", BasinID: "b1",
		CreatedBy: "u1", CreatedByName: "Mario Rossi", CreatedByRole: domain.RoleSuapOperator, CreatedAt: t0.Add(time.Hour),
		Start: t0.Add(72 * time.Hour), DurationMinutes: 60, Email: "mario@example.it", Subject: "Conferenza",
		Recording: true, RecordingConsent: true, State: domain.StateOpen, UpdatedAt: t0.Add(time.Hour),
	}
	return []step{
		{name: "put office", do: func(ctx context.Context) error { return s.PutOffice(ctx, office) }},
		{name: "put same office", do: func(ctx context.Context) error { return s.PutOffice(ctx, office) }},
		{name: "create pratica", do: func(ctx context.Context) error {
			return s.SavePratica(ctx, p, domain.NewHistory("p1", who, domain.OpPraticaRegistered, "", t0))
		}},
		{name: "create request", do: func(ctx context.Context) error {
			at := t0.Add(time.Hour)
			return s.CreateRequest(ctx, r, domain.NewHistory("p1", who, domain.OpRequestCreated, "", at),
				domain.OutboxEvent{Kind: domain.EventRequestCreated, Seq: 1, At: at, Data: map[string]string{"to": "mario@example.it"}})
		}},
		{name: "second live request", wantErr: domain.ErrLiveRequestExists, do: func(ctx context.Context) error {
			r2 := *r
			r2.ID = ""
			return s.CreateRequest(ctx, &r2, domain.NewHistory("p1", who, domain.OpRequestCreated, "", t0.Add(2*time.Hour)))
		}},
		{name: "add message", do: func(ctx context.Context) error {
			at := t0.Add(3 * time.Hour)
			m := &domain.Message{RequestID: r.ID, Seq: 1, SenderID: "u1", SenderName: "Mario Rossi", SenderRole: domain.RoleSuapOperator,
				At: at, Subject: "Orario", Body: "Va bene alle 10?", StateAtSend: domain.StateOpen}
			return s.AddMessage(ctx, r, m, domain.NewHistory("p1", who, domain.OpMessageSent, "", at),
				domain.OutboxEvent{Kind: domain.EventMessagePosted, Seq: 1, At: at})
		}},
		{name: "close request", do: func(ctx context.Context) error {
			at := t0.Add(4 * time.Hour)
			r.State, r.UpdatedAt = domain.StateDone, at
			r.Meeting = &domain.Meeting{Code: "123", Password: "pw", Link: "https://meet.example.it/123"}
			return s.UpdateRequest(ctx, r, []domain.HistoryEntry{domain.NewHistory("p1", who, domain.OpRequestStateChanged, "EVASA", at)},
				domain.OutboxEvent{Kind: domain.EventStateChanged, Seq: r.Version + 1, At: at})
		}},
		{name: "update pratica", do: func(ctx context.Context) error {
			p.VerificationsSent = true
			return s.SavePratica(ctx, p, domain.NewHistory("p1", who, domain.OpVerificationsSent, "", t0.Add(5*time.Hour)))
		}},
	}
}

// run runs the script, calling after with each step's index once it is done.
func run(t *testing.T, label string, s *store.Repo, after func(i int)) []step {
	t.Helper()
	steps := script(s)
	for i, st := range steps {
		err := st.do(context.Background())
		if (st.wantErr == nil && err != nil) || (st.wantErr != nil && !errors.Is(err, st.wantErr)) {
			t.Fatalf("%s: %s: got error %v, want %v", label, st.name, err, st.wantErr)
		}
		after(i)
	}
	return steps
}

// readStream reads every record of the table's stream, in sequence-number
// order, polling until at least want have arrived and one more read finds
// nothing new (so extra records are seen too).
func readStream(t *testing.T, c *dynamodb.Client, sc *dynamodbstreams.Client, table string, want int) []streamtypes.Record {
	t.Helper()
	ctx := context.Background()
	dt, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	arn := dt.Table.LatestStreamArn
	if arn == nil {
		t.Fatal("the table has no stream")
	}
	ds, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	iters := map[string]*string{}
	for _, sh := range ds.StreamDescription.Shards {
		it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: arn, ShardId: sh.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			t.Fatal(err)
		}
		iters[aws.ToString(sh.ShardId)] = it.ShardIterator
	}
	var recs []streamtypes.Record
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := 0
		for id, it := range iters {
			if it == nil {
				continue
			}
			out, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, out.Records...)
			got += len(out.Records)
			iters[id] = out.NextShardIterator
		}
		if got == 0 && len(recs) >= want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream: %d records after 15s, want %d", len(recs), want)
		}
		if got == 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	sort.SliceStable(recs, func(i, j int) bool {
		a, b := aws.ToString(recs[i].Dynamodb.SequenceNumber), aws.ToString(recs[j].Dynamodb.SequenceNumber)
		return len(a) < len(b) || (len(a) == len(b) && a < b)
	})
	return recs
}

// view is what must match between the two feeds: the event, its source,
// format version and view type, and its images, each as JSON with its keys
// sorted. The ids, sequence numbers, sizes, times, region and ARN differ.
type view struct{ Event, Source, Version, ViewType, Keys, New, Old string }

func viewOf(t *testing.T, r events.DynamoDBEventRecord) view {
	t.Helper()
	js := func(img map[string]events.DynamoDBAttributeValue) string {
		if img == nil {
			return ""
		}
		b, err := json.Marshal(img) // encoding/json sorts map keys, nested ones too
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return view{r.EventName, r.EventSource, r.EventVersion, r.Change.StreamViewType,
		js(r.Change.Keys), js(r.Change.NewImage), js(r.Change.OldImage)}
}

func (v view) String() string {
	return fmt.Sprintf("%s %s (%s %s %s)\n\tnew: %s\n\told: %s", v.Event, v.Keys, v.Source, v.Version, v.ViewType, v.New, v.Old)
}

// TestStreamMatchesEmbedded runs the same changes on DynamoDB Local and on
// the embedded backend and checks that the embedded change feed holds the
// records the table's stream does: same events, keys and images, transaction
// by transaction and, within one, in the same order. DynamoDB Local, like the
// embedded feed, writes a transaction's records in the order of its items;
// DynamoDB itself orders records per item only (items of one transaction may
// land on different shards), so notify must not rely on that order.
func TestStreamMatchesEmbedded(t *testing.T) {
	c, sc := streamClients(t)
	ctx := context.Background()
	table := fmt.Sprintf("suapcds-stream-%d", time.Now().UnixNano())
	if err := dynamo.CreateTable(ctx, c, table); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)}) })

	eb, err := embedded.Open(filepath.Join(t.TempDir(), "x.db"), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eb.Close() })

	key := []byte("0123456789abcdef")
	dRepo, err := store.New(dynamo.New(c, table), store.Options{CursorKey: key, NewID: seqIDs()})
	if err != nil {
		t.Fatal(err)
	}
	eRepo, err := store.New(eb, store.Options{CursorKey: key, NewID: seqIDs()})
	if err != nil {
		t.Fatal(err)
	}

	run(t, "dynamodb", dRepo, func(int) {})
	// The embedded feed, split by the step that wrote it.
	var eSteps [][]events.DynamoDBEventRecord
	var seq uint64
	steps := run(t, "embedded", eRepo, func(int) {
		ch, err := eb.Changes(seq, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var recs []events.DynamoDBEventRecord
		for _, c := range ch {
			recs, seq = append(recs, c.Record), c.Seq
		}
		eSteps = append(eSteps, recs)
	})
	var eAll []events.DynamoDBEventRecord
	for _, s := range eSteps {
		eAll = append(eAll, s...)
	}

	// What DynamoDB does, item by item (ConditionCheck and failed
	// transactions write nothing; an unchanged item writes nothing). A
	// change with history also moves the pratica's chain head.
	wantCounts := map[string]int{
		"put office": 1, "put same office": 0, "create pratica": 3, "create request": 5,
		"second live request": 0, "add message": 5, "close request": 5, "update pratica": 3,
	}
	want := 0
	for _, n := range wantCounts {
		want += n
	}

	raw := readStream(t, c, sc, table, want)
	var dAll []events.DynamoDBEventRecord
	for _, r := range raw {
		ev, err := dynamo.EventRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		if ev.EventID == "" || ev.Change.SequenceNumber == "" || ev.Change.SizeBytes <= 0 || ev.Change.ApproximateCreationDateTime.IsZero() {
			t.Errorf("stream record %+v: id, sequence number, size or time missing", ev)
		}
		dAll = append(dAll, ev)
	}
	if len(dAll) != want {
		for _, r := range dAll {
			t.Logf("dynamodb: %v", viewOf(t, r))
		}
		t.Fatalf("dynamodb stream: %d records, want %d", len(dAll), want)
	}

	// Split the stream by step using DynamoDB's own counts, then compare
	// each step's records with the embedded ones for the same step.
	off := 0
	for i, st := range steps {
		n := wantCounts[st.name]
		dv := views(t, dAll[off:off+n])
		off += n
		ev := views(t, eSteps[i])
		if len(ev) != len(dv) {
			t.Errorf("%s: embedded wrote %d records, DynamoDB %d", st.name, len(ev), len(dv))
			for _, v := range ev {
				t.Logf("  embedded: %v", v)
			}
			for _, v := range dv {
				t.Logf("  dynamodb: %v", v)
			}
			continue
		}
		for j := range dv {
			if dv[j] != ev[j] {
				t.Errorf("%s, record %d:\n dynamodb %v\n embedded %v", st.name, j, dv[j], ev[j])
			}
		}
	}

	// The notify filter: INSERT with NewImage.type.S = "outbox".
	outbox := func(recs []events.DynamoDBEventRecord) []string {
		var ids []string
		for _, r := range recs {
			if r.EventName == "INSERT" && r.Change.NewImage[store.AttrType].DataType() == events.DataTypeString &&
				r.Change.NewImage[store.AttrType].String() == store.TypeOutbox {
				ids = append(ids, r.Change.NewImage["id"].String())
			}
		}
		sort.Strings(ids)
		return ids
	}
	d, e := outbox(dAll), outbox(eAll)
	if len(d) != 3 || strings.Join(d, ",") != strings.Join(e, ",") {
		t.Errorf("outbox inserts: dynamodb %v, embedded %v", d, e)
	}
	if !slices.Contains(d, "id-0002."+string(domain.EventRequestCreated)+".1") {
		t.Errorf("no request_created outbox insert in %v", d)
	}
}

func views(t *testing.T, recs []events.DynamoDBEventRecord) []view {
	out := make([]view, len(recs))
	for i, r := range recs {
		out[i] = viewOf(t, r)
	}
	return out
}
