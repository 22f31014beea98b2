package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"time"
)

// Record is one row of the trail as stored.
type Record struct {
	ID           int64
	At           time.Time
	Action       string
	Target       string
	Details      json.RawMessage
	PersonalHash []byte // nil when the row has no personal part
	PrevHash     []byte
	Hash         []byte
	// Personal is nil when the row's personal data was erased or expired.
	Personal *Personal
}

// Personal is the erasable, personal part of an event.
type Personal struct {
	Actor   string
	Subject string
	Data    json.RawMessage
	salt    []byte
}

// Version tags of the two encodings, hashed first, so that a future
// change of encoding cannot be confused with this one.
const (
	rowEncoding      = "civitas-audit-row-v1"
	personalEncoding = "civitas-audit-personal-v1"
)

// computeHash is SHA-256 over the row's fields in a fixed order, each
// written as its length (8 bytes, big-endian) followed by its bytes:
//
//	"civitas-audit-row-v1", id (decimal), at (microseconds since the Unix
//	epoch, decimal), action, target, details (the stored JSON text, byte
//	for byte), personal_hash (32 bytes, or empty), prev_hash (32 bytes)
//
// Length prefixes make the encoding unambiguous ("ab"+"c" differs from
// "a"+"bc"); an external tool can recompute it from a CSV export.
func (r Record) computeHash() []byte {
	h := sha256.New()
	for _, f := range [][]byte{
		[]byte(rowEncoding),
		[]byte(strconv.FormatInt(r.ID, 10)),
		[]byte(strconv.FormatInt(r.At.UnixMicro(), 10)),
		[]byte(r.Action),
		[]byte(r.Target),
		r.Details,
		r.PersonalHash,
		r.PrevHash,
	} {
		writeField(h, f)
	}
	return h.Sum(nil)
}

// hash is SHA-256 over "civitas-audit-personal-v1", actor, subject, data
// and salt in the same length-prefixed encoding. The random salt is
// deleted with the row, so once erased, the hash cannot confirm a guess of
// who it was.
func (p *Personal) hash() []byte {
	h := sha256.New()
	for _, f := range [][]byte{[]byte(personalEncoding), []byte(p.Actor), []byte(p.Subject), p.Data, p.salt} {
		writeField(h, f)
	}
	return h.Sum(nil)
}

func writeField(h interface{ Write([]byte) (int, error) }, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}
