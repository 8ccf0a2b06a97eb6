package dynamo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"suapcds/shared/domain"
	"suapcds/shared/histchain"
	"suapcds/shared/store"
	"suapcds/shared/store/dynamo"
	"suapcds/shared/store/dynamo/dynamotest"
)

// TestHistoryTamperingOnDynamoDBLocal writes history through the store,
// exports it, then changes the table with raw UpdateItem, DeleteItem and
// PutItem calls, as someone with write access to the table could: each
// change is found by verifying a new export, read back from its JSON.
func TestHistoryTamperingOnDynamoDBLocal(t *testing.T) {
	c, table := dynamotest.Table(t)
	repo, err := store.New(dynamo.New(c, table), store.Options{CursorKey: []byte("tamper-test-cursor-key-0123")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	who := domain.Principal{UserID: "u-rossi", Name: "Maria Rossi", Role: domain.RoleSuapOperator, OfficeID: "suap-africo", Unit: "Suap Comune Africo"}
	base := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

	// verify exports id as the API would (JSON), and returns the breaks of
	// the document read back.
	verify := func(t *testing.T, id string) []histchain.Break {
		t.Helper()
		x, err := repo.HistoryExport(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		x.ExportedAt = histchain.FormatTime(time.Now())
		doc, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		back, err := histchain.Decode(doc)
		if err != nil {
			t.Fatal(err)
		}
		return histchain.Verify(back)
	}
	// fresh writes pratica id with 5 entries through the store.
	fresh := func(t *testing.T, id string) {
		t.Helper()
		p := &domain.Pratica{ID: id, Number: "N-" + id, OfficeID: "suap-africo", ProcedureType: domain.ProcOrdinario,
			Bodies: []domain.BodyOffice{{BodyID: "vvf", OfficeID: "rc", Name: "Vigili del Fuoco"}}}
		if err := repo.SavePratica(ctx, p, domain.NewHistory(id, who, domain.OpPraticaRegistered, "", base)); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			h := domain.NewHistory(id, who, domain.OpRecordingDownloaded, fmt.Sprintf("download %d", i), base.Add(time.Duration(i+1)*time.Minute))
			if err := repo.AppendHistory(ctx, h); err != nil {
				t.Fatal(err)
			}
		}
		if b := verify(t, id); len(b) != 0 {
			t.Fatalf("intact history: %v", b)
		}
	}
	// key returns the key of id's history item with seq.
	key := func(t *testing.T, id string, seq int) map[string]types.AttributeValue {
		t.Helper()
		out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table),
			KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :h)"),
			FilterExpression:       aws.String("seq = :n"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": &types.AttributeValueMemberS{Value: "PRATICA#" + id}, ":h": &types.AttributeValueMemberS{Value: "HIST#"},
				":n": &types.AttributeValueMemberN{Value: fmt.Sprint(seq)}}})
		if err != nil || len(out.Items) != 1 {
			t.Fatalf("history item %d of %s: %v, %d items", seq, id, err, len(out.Items))
		}
		return map[string]types.AttributeValue{"pk": out.Items[0]["pk"], "sk": out.Items[0]["sk"]}
	}
	update := func(t *testing.T, k map[string]types.AttributeValue, expr string, values map[string]types.AttributeValue) {
		t.Helper()
		if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: k,
			UpdateExpression: aws.String(expr), ExpressionAttributeValues: values}); err != nil {
			t.Fatal(err)
		}
	}
	found := func(t *testing.T, breaks []histchain.Break, want string) {
		t.Helper()
		var all []string
		for _, b := range breaks {
			all = append(all, b.String())
		}
		if !strings.Contains(strings.Join(all, "\n"), want) {
			t.Errorf("breaks %q, want one with %q", all, want)
		}
	}

	t.Run("DetailUpdated", func(t *testing.T) {
		fresh(t, "T-UPD")
		update(t, key(t, "T-UPD", 3), "SET detail = :d", map[string]types.AttributeValue{":d": &types.AttributeValueMemberS{Value: "download mai avvenuto"}})
		found(t, verify(t, "T-UPD"), "voce 3: il contenuto non corrisponde al suo hash")
	})
	t.Run("EntryDeleted", func(t *testing.T) {
		fresh(t, "T-DEL")
		if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key(t, "T-DEL", 2)}); err != nil {
			t.Fatal(err)
		}
		found(t, verify(t, "T-DEL"), "voce 3: mancano le voci 2 prima di questa")
	})
	t.Run("NewestDeleted", func(t *testing.T) {
		fresh(t, "T-LAST")
		if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key(t, "T-LAST", 5)}); err != nil {
			t.Fatal(err)
		}
		found(t, verify(t, "T-LAST"), "mancano le voci 5, cancellate")
	})
	t.Run("Reordered", func(t *testing.T) {
		fresh(t, "T-ORD")
		k2, k3 := key(t, "T-ORD", 2), key(t, "T-ORD", 3)
		update(t, k2, "SET seq = :n", map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: "3"}})
		update(t, k3, "SET seq = :n", map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: "2"}})
		b := verify(t, "T-ORD")
		found(t, b, "voce 2: il contenuto non corrisponde al suo hash")
		found(t, b, "voce 3: il contenuto non corrisponde al suo hash")
	})
	t.Run("Inserted", func(t *testing.T) {
		fresh(t, "T-INS")
		x, err := repo.HistoryExport(ctx, "T-INS")
		if err != nil {
			t.Fatal(err)
		}
		// A forged entry 3 whose hash is right for its content and its
		// predecessor: the genuine entry 3 is still there.
		forged := x.Entries[2]
		forged.Detail = "download inserito"
		forged = histchain.Link(forged, histchain.Head{Seq: 2, Hash: x.Entries[1].Hash})
		k := key(t, "T-INS", 3)
		item := map[string]types.AttributeValue{
			"pk": k["pk"], "sk": &types.AttributeValueMemberS{Value: k["sk"].(*types.AttributeValueMemberS).Value + "0"},
			"type": &types.AttributeValueMemberS{Value: "history"}, "praticaId": &types.AttributeValueMemberS{Value: forged.PraticaID},
			"at": &types.AttributeValueMemberS{Value: forged.At}, "actorId": &types.AttributeValueMemberS{Value: forged.ActorID},
			"actorName": &types.AttributeValueMemberS{Value: forged.ActorName}, "roleUnit": &types.AttributeValueMemberS{Value: forged.RoleUnit},
			"operation": &types.AttributeValueMemberS{Value: forged.Operation}, "detail": &types.AttributeValueMemberS{Value: forged.Detail},
			"seq": &types.AttributeValueMemberN{Value: "3"}, "prevHash": &types.AttributeValueMemberS{Value: forged.PrevHash},
			"hash": &types.AttributeValueMemberS{Value: forged.Hash},
		}
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatal(err)
		}
		found(t, verify(t, "T-INS"), "voce 3: numero ripetuto o fuori ordine dopo la voce 3")
		// The Storico shows it: the export is what tells.
		page, err := repo.History(ctx, "T-INS", "", 100)
		if err != nil || len(page.Items) != 6 {
			t.Errorf("Storico: %d entries, %v", len(page.Items), err)
		}
	})
}
