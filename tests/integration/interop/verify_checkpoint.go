// Checks ryoken's signed checkpoints and proofs with Go's golang.org/x/mod/sumdb/note and
// sumdb/tlog, an implementation nobody on the ryoken team wrote. Built offline from Debian's
// golang-golang-x-mod-dev (GO111MODULE=off GOPATH=/usr/share/gocode) by
// tests/integration/test_go_interop.py, which writes the input JSON.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type input struct {
	Vkey        string   `json:"vkey"`
	OldNote     string   `json:"old_note"`
	Note        string   `json:"note"`
	Leaves      []string `json:"leaves_hex"`
	Index       int64    `json:"index"`
	Inclusion   []string `json:"inclusion_b64"`
	Consistency []string `json:"consistency_b64"`
	WitnessVkey string   `json:"witness_vkey"`
}

// cosigner checks a C2SP tlog-cosignature v1 (type 0x04) line. sumdb/note has no verifier for
// this type, so this one is written here from the spec (not independent of us); note.Open
// still does the parsing and finds it by name and key hash.
type cosigner struct {
	name string
	hash uint32
	key  ed25519.PublicKey
	seen int64
}

func newCosigner(vkey string) (*cosigner, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return nil, errors.New("malformed witness vkey")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != 0x04 {
		return nil, errors.New("not a cosignature/v1 key")
	}
	h := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	hash := binary.BigEndian.Uint32(h[:4])
	if fmt.Sprintf("%08x", hash) != parts[1] {
		return nil, errors.New("witness key hash mismatch")
	}
	return &cosigner{parts[0], hash, ed25519.PublicKey(raw[1:]), -1}, nil
}

func (c *cosigner) Name() string    { return c.name }
func (c *cosigner) KeyHash() uint32 { return c.hash }
func (c *cosigner) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	ts := int64(binary.BigEndian.Uint64(sig[:8]))
	signed := []byte(fmt.Sprintf("cosignature/v1\ntime %d\n", ts))
	if !ed25519.Verify(c.key, append(signed, msg...), sig[8:]) {
		return false
	}
	c.seen = ts
	return true
}

type tree struct {
	origin string
	size   int64
	root   tlog.Hash
}

func open(msg string, verifier note.Verifier) (tree, error) {
	n, err := note.Open([]byte(msg), note.VerifierList(verifier))
	if err != nil {
		return tree{}, err
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return tree{}, errors.New("checkpoint text too short")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return tree{}, err
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return tree{}, err
	}
	return tree{lines[0], size, root}, nil
}

func hashes(b64 []string) []tlog.Hash {
	out := make([]tlog.Hash, len(b64))
	for i, s := range b64 {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(raw) != tlog.HashSize {
			fail("bad proof hash %q", s)
		}
		copy(out[i][:], raw)
	}
	return out
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	var in input
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	if err := json.Unmarshal(data, &in); err != nil {
		fail("%v", err)
	}
	verifier, err := note.NewVerifier(in.Vkey)
	if err != nil {
		fail("note.NewVerifier refused ryoken's vkey: %v", err)
	}
	latest, err := open(in.Note, verifier)
	if err != nil {
		fail("note.Open refused the latest checkpoint: %v", err)
	}
	old, err := open(in.OldNote, verifier)
	if err != nil {
		fail("note.Open refused the older checkpoint: %v", err)
	}
	fmt.Printf("note.Open: %s size %d and %d signed by %s\n", latest.origin, old.size, latest.size, verifier.Name())

	if in.WitnessVkey != "" {
		c, err := newCosigner(in.WitnessVkey)
		if err != nil {
			fail("%v", err)
		}
		n, err := note.Open([]byte(in.Note), note.VerifierList(verifier, c))
		if err != nil || len(n.Sigs) != 2 || c.seen < 0 {
			fail("note.Open with the witness key: %v (%d signatures)", err, len(n.Sigs))
		}
		fmt.Printf("note.Open: cosignature/v1 by %s at %d\n", c.name, c.seen)
	}

	forged := strings.Replace(in.Note, fmt.Sprintf("\n%d\n", latest.size), fmt.Sprintf("\n%d\n", latest.size+1), 1)
	if _, err := open(forged, verifier); err == nil {
		fail("note.Open accepted a checkpoint whose size was changed")
	}

	// The tree, recomputed by tlog from the leaves alone.
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, h := range in.Leaves {
		leaf, err := hex.DecodeString(h)
		if err != nil {
			fail("leaf %d: %v", i, err)
		}
		more, err := tlog.StoredHashes(int64(i), leaf, reader)
		if err != nil {
			fail("%v", err)
		}
		stored = append(stored, more...)
	}
	for _, t := range []tree{old, latest} {
		root, err := tlog.TreeHash(t.size, reader)
		if err != nil || root != t.root {
			fail("tlog.TreeHash(%d) = %v, checkpoint says %v", t.size, root, t.root)
		}
	}
	fmt.Printf("tlog.TreeHash: roots at %d and %d match the checkpoints\n", old.size, latest.size)

	leaf, _ := hex.DecodeString(in.Leaves[in.Index])
	if err := tlog.CheckRecord(hashes(in.Inclusion), latest.size, latest.root, in.Index, tlog.RecordHash(leaf)); err != nil {
		fail("tlog.CheckRecord refused ryoken's inclusion proof: %v", err)
	}
	fmt.Printf("tlog.CheckRecord: entry %d is in the tree of %d\n", in.Index, latest.size)
	if err := tlog.CheckTree(hashes(in.Consistency), latest.size, latest.root, old.size, old.root); err != nil {
		fail("tlog.CheckTree refused ryoken's consistency proof: %v", err)
	}
	fmt.Printf("tlog.CheckTree: the tree of %d extends the tree of %d\n", latest.size, old.size)
	fmt.Println("OK")
}
