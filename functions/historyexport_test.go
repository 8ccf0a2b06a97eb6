package functions_test

import (
	"strings"
	"testing"

	"suapcds/shared/domain"
	"suapcds/shared/histchain"
)

// TestHistoryExport: the export holds every entry of the Storico, chained,
// and verifies; it is an attachment nobody caches, for whoever may read the
// history.
func TestHistoryExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcSCIA)
	one := map[string]any{"bodies": []map[string]string{ref(comuneTecnico)}}
	for range 3 {
		if res := e.api.Do("POST", "/pratiche/"+id+"/verifications", &suapAfrico, one); res.Status != 200 {
			t.Fatalf("verifications: %d %s", res.Status, res.Body)
		}
	}
	e.request(suapAfrico, id)

	res := e.api.Do("GET", "/pratiche/"+id+"/history/export", &suapAfrico, nil)
	if res.Status != 200 {
		t.Fatalf("export: %d %s", res.Status, res.Body)
	}
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename=storico-`+id+`.json` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	x, err := histchain.Decode(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b := histchain.Verify(x); len(b) != 0 {
		t.Fatalf("the export does not verify: %v", b)
	}
	var h historyList
	e.api.Do("GET", "/pratiche/"+id+"/history?limit=100", &suapAfrico, nil).JSON(t, &h)
	if len(x.Entries) != len(h.Items) || len(x.Legacy) != 0 || x.Head == nil || x.Head.Seq != int64(len(h.Items)) || len(h.Items) != 5 {
		t.Fatalf("export: %d entries, head %+v; the Storico has %d, want 5", len(x.Entries), x.Head, len(h.Items))
	}
	for i, en := range x.Entries {
		if en.Operation != h.Items[i].Operation || en.ActorName != h.Items[i].Name {
			t.Errorf("entry %d: %+v, the Storico says %+v", i+1, en, h.Items[i])
		}
	}
	if !strings.HasPrefix(x.ExportedAt, "2026-03-09T09:00:00") {
		t.Errorf("exportedAt %q, want the clock's time in UTC", x.ExportedAt)
	}
	// The service reads it too; an export read later, after another change,
	// continues the earlier one.
	later := e.api.Do("GET", "/pratiche/"+id+"/history/export", &manager, nil)
	if later.Status != 200 {
		t.Fatalf("manager: %d %s", later.Status, later.Body)
	}
	if res := e.api.Do("POST", "/pratiche/"+id+"/verifications", &suapAfrico, one); res.Status != 200 {
		t.Fatal(res.Status)
	}
	y, err := histchain.Decode(e.api.Do("GET", "/pratiche/"+id+"/history/export", &suapAfrico, nil).Body)
	if err != nil {
		t.Fatal(err)
	}
	if b := append(histchain.Verify(y), histchain.Extends(x, y)...); len(b) != 0 || y.Head.Seq != 6 {
		t.Errorf("the later export: head %+v, breaks %v", y.Head, b)
	}
}
