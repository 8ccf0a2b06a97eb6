package recordings_test

import (
	"testing"

	"suapcds/shared/domain"
)

// TestUploadTypeIsConcrete (#14 8e): the declared type of a recording is
// one concrete listed type: a wildcard or a parameter is 422, and the
// request still waits for its recording.
func TestUploadTypeIsConcrete(t *testing.T) {
	f := newFixture(t)
	id := "01a207bd-0000-4000-8000-000000000020"
	f.seed(t, id, domain.StateProcessing, true)
	for _, ct := range []string{"video/*", "audio/*", "*/*", "video/mp4; codecs=avc1", "video/*; x=video/mp4", "video/mp4, video/webm"} {
		res := f.api.Do("POST", "/booking-requests/"+id+"/recording-upload", &manager, map[string]string{"contentType": ct})
		if p := res.Problem(t); res.Status != 422 || p.Code != "invalid_input" || len(p.Errors) != 1 || p.Errors[0].Field != "contentType" {
			t.Errorf("%q: %d %s, want 422 on contentType", ct, res.Status, res.Body)
		}
	}
	if r, err := f.store.GetRequest(f.ctx, id); err != nil || r.State != domain.StateProcessing || r.RecordingFile != nil {
		t.Errorf("request after refused uploads: %+v %v", r, err)
	}
	if res := f.api.Do("POST", "/booking-requests/"+id+"/recording-upload", &manager, map[string]string{"contentType": "video/mp4"}); res.Status != 200 {
		t.Errorf("video/mp4: %d %s", res.Status, res.Body)
	}
}
