package app

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"strings"
	"time"

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

// ConferenceFilePrefix is where the kept files of a conference live in the
// bucket: conferences/<praticaId>/<conferenceId>/. A file gets there only as
// a server-side copy of an upload, made when a convocation, a verbale or a
// closing act uses it: no POST policy ever names these keys (and the bucket
// policy refuses any write there but a copy), so the bytes a convocation was
// sent with are the bytes served for ever after.
func ConferenceFilePrefix(praticaID, conferenceID string) string {
	return "conferences/" + praticaID + "/" + conferenceID + "/"
}

// ConferenceFileUploadPrefix is where the uploads of a conference's files
// land: uploads/conferences/<praticaId>/<conferenceId>/, the keys the
// pre-signed POSTs name.
func ConferenceFileUploadPrefix(praticaID, conferenceID string) string {
	return "uploads/" + ConferenceFilePrefix(praticaID, conferenceID)
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

// ConferenceFileMaxBytes is the configured cap of a conference file.
func (s *Service) ConferenceFileMaxBytes() int64 { return s.fileMaxBytes }

// ConferenceFileUpload gives an operator of the pratica a pre-signed POST
// for a file of conference conferenceID (convocation or closing): a file of
// exactly the declared type (PDF/ODT/DOCX/P7M) of at most the cap, under an
// upload key the server makes,
// uploads/conferences/<praticaId>/<conferenceId>/<uuid>, for UploadTTL.
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
		Key:         ConferenceFileUploadPrefix(p.ID, c.ID) + uuid.NewString(),
		ContentType: ct, MaxBytes: s.fileMaxBytes, Expires: UploadTTL,
	})
	if err != nil {
		return nil, fmt.Errorf("presign upload: %w", err)
	}
	return f, nil
}

// keepTries bounds the copies of an upload posted over while being kept.
const keepTries = 3

// keepConferenceFile makes key, named by field of a convocation, a verbale
// or a closing act, a kept file of the conference and returns the kept key
// to record: an upload of the conference (directly under its upload
// prefix) that exists (HEAD), has an allowed type and is within the cap is
// copied, as it was checked (its ETag), to a fresh key under the
// conference's prefix; a file the conference already keeps is used as it
// is. Anything else is refused (422 invalid_file).
func (s *Service) keepConferenceFile(ctx context.Context, praticaID, conferenceID, field, key string) (string, error) {
	bad := func(detail string) error {
		return &domain.Error{Kind: domain.KindInvalid, Code: "invalid_file", Detail: detail,
			Fields: []domain.FieldError{{Field: field, Code: "invalid_file", Detail: detail}}}
	}
	plain := func(prefix string) bool {
		rest, ok := strings.CutPrefix(key, prefix)
		return ok && rest != "" && !strings.Contains(rest, "/")
	}
	upload := plain(ConferenceFileUploadPrefix(praticaID, conferenceID))
	if !upload && !plain(ConferenceFilePrefix(praticaID, conferenceID)) {
		return "", bad("Il file indicato non è stato caricato per questa conferenza: caricarlo prima di indicarlo.")
	}
	if s.files == nil {
		return "", errConferenceFilesOff
	}
	for try := 1; ; try++ {
		info, err := s.files.Head(ctx, key)
		if errors.Is(err, domain.ErrNotFound) {
			return "", bad("Il file indicato non risulta caricato: caricarlo prima di indicarlo.")
		}
		if err != nil {
			return "", fmt.Errorf("head %s: %w", key, err)
		}
		if _, ok := conferenceFileType(info.ContentType); !ok {
			return "", bad("Il file caricato non è un PDF, un documento ODT o DOCX, o un file firmato P7M.")
		}
		if info.Size < 1 || info.Size > s.fileMaxBytes {
			return "", bad(fmt.Sprintf("Il file caricato è vuoto o supera il limite di %s.", domain.SizeLabel(s.fileMaxBytes)))
		}
		if !upload {
			return key, nil
		}
		kept := ConferenceFilePrefix(praticaID, conferenceID) + uuid.NewString()
		err = s.files.Copy(ctx, key, kept, info.ETag)
		if errors.Is(err, ErrObjectChanged) && try < keepTries {
			continue // posted over since the HEAD: check the new one
		}
		if errors.Is(err, ErrObjectChanged) || errors.Is(err, domain.ErrNotFound) {
			return "", bad("Il file indicato è stato sostituito o rimosso durante la verifica: caricarlo di nuovo.")
		}
		if err != nil {
			return "", fmt.Errorf("copy %s: %w", key, err)
		}
		return kept, nil
	}
}

// ConvocationDownload is what a convened body's signed link (mailed when
// the convocation file is too big to attach) leads to: a pre-signed GET of
// the session's convocation file, valid DownloadTTL, saved under
// domain.ConvocationFileName. The link has been verified by the caller; a
// session that is gone or cancelled answers errSessionNotFound or
// ErrSessionCancelled. It writes nothing.
func (s *Service) ConvocationDownload(ctx context.Context, praticaID, conferenceID, sessionID string) (string, error) {
	if !domain.ValidID(praticaID) || !domain.ValidID(conferenceID) || !domain.ValidID(sessionID) {
		return "", errSessionNotFound
	}
	x, err := s.store.GetSession(ctx, praticaID, conferenceID, sessionID)
	if errors.Is(err, domain.ErrNotFound) {
		return "", errSessionNotFound
	}
	if err != nil {
		return "", err
	}
	if x.State == domain.SessionCancelled {
		return "", ErrSessionCancelled
	}
	if s.files == nil {
		return "", errConferenceFilesOff
	}
	p, err := s.store.GetPratica(ctx, praticaID)
	if err != nil {
		return "", err
	}
	info, err := s.files.Head(ctx, x.ConvocationFileKey)
	if errors.Is(err, domain.ErrNotFound) {
		return "", errSessionNotFound
	}
	if err != nil {
		return "", fmt.Errorf("head %s: %w", x.ConvocationFileKey, err)
	}
	u, err := s.files.PresignDownload(ctx, x.ConvocationFileKey, domain.ConvocationFileName(p.Number, x.Seq, info.ContentType), DownloadTTL)
	if err != nil {
		return "", fmt.Errorf("presign download: %w", err)
	}
	return u, nil
}

// ErrSessionCancelled: the convocation of a cancelled session is no longer
// served.
var ErrSessionCancelled = &domain.Error{Kind: domain.KindConflict, Code: "session_cancelled",
	Detail: "La seduta è stata annullata: il file di convocazione non è più disponibile."}

// errConferenceFileNotFound: no file of the conference has that id.
var errConferenceFileNotFound = &domain.Error{Kind: domain.KindNotFound, Code: "file_not_found",
	Detail: "File della conferenza non trovato: sono scaricabili la convocazione e il verbale di ogni seduta e la determinazione conclusiva della conferenza."}

// FileDownload is a pre-signed GET of a conference file.
type FileDownload struct {
	URL       string
	FileName  string
	ExpiresAt time.Time
}

// ConferenceFileDownload gives a pre-signed GET, valid DownloadTTL, of a
// file of conference conferenceID: a session's convocation or closing file,
// or the conference's closing act, named by fileID, the last segment of its
// key. The pratica's operators and the regional service (read only) may; a
// file uploaded but never used by the conference is not part of the case
// file and answers file_not_found. It writes nothing.
func (s *Service) ConferenceFileDownload(ctx context.Context, who domain.Principal, praticaID, conferenceID, fileID string) (*FileDownload, error) {
	if who.Role == domain.RoleAdmin {
		return nil, domain.ErrForbidden
	}
	p, err := s.visiblePratica(ctx, who, praticaID, true)
	if err != nil {
		return nil, err
	}
	c, sessions, err := s.conferenceWithSessions(ctx, p.ID, conferenceID)
	if err != nil {
		return nil, err
	}
	if !domain.ValidID(fileID) {
		return nil, errConferenceFileNotFound
	}
	key := ConferenceFilePrefix(p.ID, c.ID) + fileID
	var name func(contentType string) string
	if c.ClosingFileKey == key {
		name = func(ct string) string { return domain.ConferenceClosingFileName(p.Number, ct) }
	}
	for i := range sessions {
		x := &sessions[i]
		switch {
		case x.ConferenceID != c.ID:
		case x.ConvocationFileKey == key:
			name = func(ct string) string { return domain.ConvocationFileName(p.Number, x.Seq, ct) }
		case x.ClosingFileKey == key:
			name = func(ct string) string { return domain.SessionClosingFileName(p.Number, x.Seq, ct) }
		}
	}
	if name == nil {
		return nil, errConferenceFileNotFound
	}
	if s.files == nil {
		return nil, errConferenceFilesOff
	}
	info, err := s.files.Head(ctx, key)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, errConferenceFileNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("head %s: %w", key, err)
	}
	d := &FileDownload{FileName: name(info.ContentType), ExpiresAt: s.clock.Now().Add(DownloadTTL)}
	if d.URL, err = s.files.PresignDownload(ctx, key, d.FileName, DownloadTTL); err != nil {
		return nil, fmt.Errorf("presign download: %w", err)
	}
	return d, nil
}
