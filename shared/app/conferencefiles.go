package app

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"strings"

	"github.com/google/uuid"

	"suapcds/shared/domain"
)

// DefaultConferenceFileMaxBytes is the cap of a conference's convocation or
// closing file when CONFERENCE_FILE_MAX_BYTES is not set: 20 MiB.
const DefaultConferenceFileMaxBytes int64 = 20 << 20

// ConferenceFileTypes are the types a conference file may have: PDF,
// OpenDocument text, Word (.docx) and a signed envelope (.p7m).
var ConferenceFileTypes = []string{
	"application/pdf",
	"application/vnd.oasis.opendocument.text",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/pkcs7-mime",
}

// ConferenceFilePrefix is where the files of a conference live in the
// bucket: conferences/<praticaId>/<conferenceId>/.
func ConferenceFilePrefix(praticaID, conferenceID string) string {
	return "conferences/" + praticaID + "/" + conferenceID + "/"
}

var (
	errConferenceFileType = &domain.Error{Kind: domain.KindInvalid, Code: "invalid_input",
		Detail: "Il file deve essere un PDF, un documento ODT o DOCX, o un file firmato P7M.",
		Fields: []domain.FieldError{{Field: "contentType", Code: "unsupported", Detail: "Tipo di file non ammesso."}}}
	errConferenceFilesOff = errors.New("conference files: no bucket configured")
)

// conferenceFileType normalizes a declared or stored type and tells whether
// it is one of ConferenceFileTypes.
func conferenceFileType(ct string) (string, bool) {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", false
	}
	for _, t := range ConferenceFileTypes {
		if mt == t {
			return t, true
		}
	}
	return "", false
}

// SetConferenceFiles gives the service the bucket of the conferences' files
// (the recordings bucket, prefix conferences/) and their cap (below 1: the
// default). Without it, uploads and convocations fail.
func (s *Service) SetConferenceFiles(files RecordingFiles, maxBytes int64) {
	if maxBytes < 1 {
		maxBytes = DefaultConferenceFileMaxBytes
	}
	s.files, s.fileMaxBytes = files, maxBytes
}

// ConferenceFileMaxBytes is the configured cap of a conference file.
func (s *Service) ConferenceFileMaxBytes() int64 { return s.fileMaxBytes }

// ConferenceFileUpload gives an operator of the pratica a pre-signed POST
// for a file of conference conferenceID (convocation or closing): a
// PDF/ODT/DOCX/P7M of at most the cap, under a key the server makes,
// conferences/<praticaId>/<conferenceId>/<uuid>, for UploadTTL.
func (s *Service) ConferenceFileUpload(ctx context.Context, who domain.Principal, praticaID, conferenceID, contentType string) (*UploadForm, error) {
	if err := operatorOnly(who); err != nil {
		return nil, err
	}
	p, err := s.visiblePratica(ctx, who, praticaID, false)
	if err != nil {
		return nil, err
	}
	c, err := s.conference(ctx, p.ID, conferenceID)
	if err != nil {
		return nil, err
	}
	ct, ok := conferenceFileType(contentType)
	if !ok {
		return nil, errConferenceFileType
	}
	if s.files == nil {
		return nil, errConferenceFilesOff
	}
	f, err := s.files.PresignUpload(ctx, UploadPolicy{
		Key:         ConferenceFilePrefix(p.ID, c.ID) + uuid.NewString(),
		ContentType: ct, TypePrefix: ct, MaxBytes: s.fileMaxBytes, Expires: UploadTTL,
	})
	if err != nil {
		return nil, fmt.Errorf("presign upload: %w", err)
	}
	return f, nil
}

// checkConferenceFile refuses a key that does not name an uploaded file of
// the conference: outside its prefix, missing, of another type or over the
// cap.
func (s *Service) checkConferenceFile(ctx context.Context, praticaID, conferenceID, field, key string) error {
	bad := func(detail string) error {
		return &domain.Error{Kind: domain.KindInvalid, Code: "invalid_file", Detail: detail,
			Fields: []domain.FieldError{{Field: field, Code: "invalid_file", Detail: detail}}}
	}
	prefix := ConferenceFilePrefix(praticaID, conferenceID)
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return bad("Il file indicato non è stato caricato per questa conferenza: caricarlo prima di convocare.")
	}
	if s.files == nil {
		return errConferenceFilesOff
	}
	info, err := s.files.Head(ctx, key)
	if errors.Is(err, domain.ErrNotFound) {
		return bad("Il file indicato non risulta caricato: caricarlo prima di convocare.")
	}
	if err != nil {
		return fmt.Errorf("head %s: %w", key, err)
	}
	if _, ok := conferenceFileType(info.ContentType); !ok {
		return bad("Il file caricato non è un PDF, un documento ODT o DOCX, o un file firmato P7M.")
	}
	if info.Size < 1 || info.Size > s.fileMaxBytes {
		return bad(fmt.Sprintf("Il file caricato è vuoto o supera il limite di %s.", domain.SizeLabel(s.fileMaxBytes)))
	}
	return nil
}
