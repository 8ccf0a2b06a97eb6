package store_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"suapcds/shared/store"
)

// TestOutboxStreamSample decodes the notify sample event the way notify will:
// a stream INSERT whose NewImage is an outbox item.
func TestOutboxStreamSample(t *testing.T) {
	raw, err := os.ReadFile("../../events/notify-outbox-insert.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Records) != 1 {
		t.Fatalf("%d records, want 1", len(ev.Records))
	}
	rec := ev.Records[0]
	if rec.EventName != "INSERT" || rec.Change.NewImage["type"].String() != store.TypeOutbox || rec.Change.StreamViewType != "NEW_AND_OLD_IMAGES" {
		t.Errorf("not an outbox insert: %s %v", rec.EventName, rec.Change.NewImage["type"])
	}
	it, err := store.FromEventImage(rec.Change.NewImage)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := store.OutboxFrom(it)
	if err != nil {
		t.Fatal(err)
	}
	if ob.Kind != "request_created" || ob.SubjectID != "01JDEMOREQ00000000000000001" || ob.PraticaID != "pratica-456" ||
		ob.Status != store.OutboxStatusPending || ob.Seq != 1 || ob.At.IsZero() || ob.ExpiresAt <= ob.At.Unix() {
		t.Errorf("outbox item: %+v", ob)
	}
	// The image survives a round trip through the SDK's attribute values.
	back, err := store.ToEventImage(it)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, rec.Change.NewImage) {
		t.Errorf("round trip changed the image:\n got %v\nwant %v", back, rec.Change.NewImage)
	}
}
