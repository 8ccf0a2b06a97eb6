// Package histchain is the tamper-evident form of a pratica's history: each
// entry carries the hash of the one before it, and a head item names the
// newest. It defines the canonical encoding that is hashed, the export
// document of GET /pratiche/{praticaId}/history/export, and its verification
// (infra/verify-history). It is pure Go: no AWS, no HTTP.
//
// # What is hashed
//
// An entry's hash is the lowercase hex SHA-256 of its canonical encoding: the
// line "suapcds-history/1", then one line per field, in this fixed order,
//
//	praticaId, seq, at, actorId, actorName, roleUnit, operation, detail, requestId, prevHash
//
// each written as <name>=<length in bytes>:<value>\n. seq is decimal; at is
// RFC 3339 with nanoseconds in UTC (time.RFC3339Nano, "Z"); prevHash is the
// previous entry's hash. The length prefix makes the encoding unambiguous
// whatever a value contains (newlines, "=", ":").
//
// The chain of a pratica starts at seq 1. Entries written before the chain
// existed (no seq, no hash) are sealed by it: entry 1's prevHash is the seal
// of those entries, in the Storico's order (see Seal), or "" when there were
// none.
package histchain

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Format names the export document's version.
const Format = "suapcds-history-chain/1"

// Entry is one history entry as exported. Entries of the chain have Seq,
// PrevHash and Hash; entries written before the chain (Export.Legacy) have
// none of them.
type Entry struct {
	Seq       int64  `json:"seq,omitempty"`
	PraticaID string `json:"praticaId"`
	// At is the hashed form of the entry's time: RFC 3339 with nanoseconds,
	// UTC.
	At        string `json:"at"`
	ActorID   string `json:"actorId"`
	ActorName string `json:"actorName"`
	RoleUnit  string `json:"roleUnit"`
	Operation string `json:"operation"`
	Detail    string `json:"detail"`
	RequestID string `json:"requestId"`
	PrevHash  string `json:"prevHash,omitempty"`
	Hash      string `json:"hash,omitempty"`
}

// BeforeChain tells an entry written before the chain existed: no seq and
// no hashes. It is the one test of that, for the seal a pratica's first
// chained entry makes and for the export's Legacy; an entry with only some
// of them is the chain's (and breaks it), not a legacy one.
func BeforeChain(e Entry) bool { return e.Seq == 0 && e.PrevHash == "" && e.Hash == "" }

// Head is the chain's newest entry: its seq and hash.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Export is the whole history of a pratica with its chain.
type Export struct {
	// Format is always the constant Format.
	Format    string `json:"format"`
	PraticaID string `json:"praticaId"`
	// ExportedAt is when the export was read (RFC 3339, UTC).
	ExportedAt string `json:"exportedAt"`
	// Legacy are the entries outside the chain, in the Storico's order:
	// written before the chain existed, and sealed by entry 1's prevHash.
	Legacy []Entry `json:"legacy"`
	// Entries is the chain, by seq.
	Entries []Entry `json:"entries"`
	// Head is the chain's head item; absent when the pratica has no chain
	// yet.
	Head *Head `json:"head,omitempty"`
}

// FormatTime is the hashed form of an entry's time.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Encode returns e's canonical encoding (Hash itself is not part of it).
func Encode(e Entry) []byte {
	var b strings.Builder
	b.WriteString("suapcds-history/1\n")
	field := func(name, v string) {
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	field("praticaId", e.PraticaID)
	field("seq", strconv.FormatInt(e.Seq, 10))
	field("at", e.At)
	field("actorId", e.ActorID)
	field("actorName", e.ActorName)
	field("roleUnit", e.RoleUnit)
	field("operation", e.Operation)
	field("detail", e.Detail)
	field("requestId", e.RequestID)
	field("prevHash", e.PrevHash)
	return []byte(b.String())
}

// Sum returns the hash of e: hex SHA-256 of Encode(e).
func Sum(e Entry) string {
	h := sha256.Sum256(Encode(e))
	return hex.EncodeToString(h[:])
}

// Seal is entry 1's prevHash for the entries written before the chain, in
// the Storico's order: "" for none, else the hex SHA-256 of the line
// "suapcds-history-legacy/1" followed by one line per entry holding its Sum
// (with seq 0 and no prevHash, as they were stored).
func Seal(legacy []Entry) string {
	if len(legacy) == 0 {
		return ""
	}
	h := sha256.New()
	h.Write([]byte("suapcds-history-legacy/1\n"))
	for _, e := range legacy {
		e.Seq, e.PrevHash, e.Hash = 0, "", ""
		h.Write([]byte(Sum(e) + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Link fills in e's Seq, PrevHash and Hash as the entry that follows prev
// (the zero Head, with the seal as its hash, for the first entry).
func Link(e Entry, prev Head) Entry {
	e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	e.Hash = Sum(e)
	return e
}
