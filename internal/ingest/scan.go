package ingest

import (
	"math"

	mh "github.com/multiformats/go-multihash"
	"github.com/multiformats/go-varint"
)

// cborScan walks DAG-CBOR in place, without decoding values into Go types.
// It accepts exactly what the cbor-gen decoders of indigo accept (the same
// canonical-header, length, type and CID checks), so that a frame it
// accepts is one decodeFrame accepts too; anything else it reports as not
// ok and the caller decodes the frame in full.
type cborScan struct {
	b   []byte
	off int
}

// cbor-gen's limits.
const (
	cborMaxLength    = 8192    // map entries, array items
	cborMaxString    = 1000000 // strings of lexicon types
	cborMaxBlocks    = 2097152 // a commit's CAR bytes
	cborMaxCIDBytes  = 512     // a CID link's byte string
	cborMaxScanCID   = 100     // a CID link inside an unknown field
	cborMajUint      = 0
	cborMajNegInt    = 1
	cborMajBytes     = 2
	cborMajText      = 3
	cborMajArray     = 4
	cborMajMap       = 5
	cborMajTag       = 6
	cborMajOther     = 7
	cborNull         = 0xf6
	cborTagCID       = 42
	cborFalse, cborT = 20, 21
)

// header reads a major type and its argument, rejecting non-canonical
// lengths (cbg.CborReadHeaderBuf).
func (s *cborScan) header() (maj byte, extra uint64, ok bool) {
	if s.off >= len(s.b) {
		return 0, 0, false
	}
	first := s.b[s.off]
	s.off++
	maj, low := first>>5, first&0x1f
	var n int
	var min uint64 // the smallest value that needs n bytes
	switch {
	case low < 24:
		return maj, uint64(low), true
	case low == 24:
		n, min = 1, 24
	case low == 25:
		n, min = 2, math.MaxUint8+1
	case low == 26:
		n, min = 4, math.MaxUint16+1
	case low == 27:
		n, min = 8, math.MaxUint32+1
	default:
		return 0, 0, false
	}
	if len(s.b)-s.off < n {
		return 0, 0, false
	}
	for _, c := range s.b[s.off : s.off+n] {
		extra = extra<<8 | uint64(c)
	}
	s.off += n
	return maj, extra, extra >= min
}

// take returns the next n bytes.
func (s *cborScan) take(n uint64) ([]byte, bool) {
	if uint64(len(s.b)-s.off) < n {
		return nil, false
	}
	b := s.b[s.off : s.off+int(n)]
	s.off += int(n)
	return b, true
}

// null consumes a CBOR null if one comes next. At the end of the input it
// reports not ok.
func (s *cborScan) null() (isNull, ok bool) {
	if s.off >= len(s.b) {
		return false, false
	}
	if s.b[s.off] == cborNull {
		s.off++
		return true, true
	}
	return false, true
}

// mapLen reads the header of a struct's map (at most cborMaxLength
// entries).
func (s *cborScan) mapLen() (uint64, bool) {
	maj, n, ok := s.header()
	return n, ok && maj == cborMajMap && n <= cborMaxLength
}

// key reads a map key into known when it is at most size bytes long
// (cbg.ReadFullStringIntoBuf); a longer key is skipped and known is nil.
func (s *cborScan) key(size int) (known []byte, ok bool) {
	maj, l, ok := s.header()
	if !ok || maj != cborMajText || l > cborMaxString {
		return nil, false
	}
	b, ok := s.take(l)
	if !ok || l > uint64(size) {
		return nil, ok
	}
	return b, true
}

// text reads a text string of at most cborMaxString bytes
// (cbg.ReadStringWithMax).
func (s *cborScan) text() ([]byte, bool) {
	maj, l, ok := s.header()
	if !ok || maj != cborMajText || l > cborMaxString {
		return nil, false
	}
	return s.take(l)
}

// int64 reads a signed integer field.
func (s *cborScan) int64() (int64, bool) {
	maj, extra, ok := s.header()
	if !ok || extra > math.MaxInt64 {
		return 0, false
	}
	switch maj {
	case cborMajUint:
		return int64(extra), true
	case cborMajNegInt:
		return -1 - int64(extra), true
	}
	return 0, false
}

// bool reads a boolean field.
func (s *cborScan) bool() bool {
	maj, extra, ok := s.header()
	return ok && maj == cborMajOther && (extra == cborFalse || extra == cborT)
}

// link reads a CID link (util.LexLink, cbg.ReadCid): tag 42 on a byte
// string holding a zero byte and a valid CID.
func (s *cborScan) link() bool {
	maj, tag, ok := s.header()
	if !ok || maj != cborMajTag || tag != cborTagCID {
		return false
	}
	maj, l, ok := s.header()
	if !ok || maj != cborMajBytes || l > cborMaxCIDBytes {
		return false
	}
	b, ok := s.take(l)
	return ok && len(b) >= 2 && b[0] == 0 && validCID(b[1:])
}

// nullableLink reads a CID link or null.
func (s *cborScan) nullableLink() bool {
	isNull, ok := s.null()
	return ok && (isNull || s.link())
}

// skip skips one value of a field the struct does not have, checking it as
// cbg.ScanForLinks does.
func (s *cborScan) skip() bool {
	for remaining := uint64(1); remaining > 0; remaining-- {
		maj, extra, ok := s.header()
		if !ok {
			return false
		}
		switch maj {
		case cborMajUint, cborMajNegInt, cborMajOther:
		case cborMajBytes, cborMajText:
			if extra > math.MaxInt32 {
				return false
			}
			if _, ok := s.take(extra); !ok {
				return false
			}
		case cborMajTag:
			if extra != cborTagCID {
				remaining++
				continue
			}
			maj, l, ok := s.header()
			if !ok || maj != cborMajBytes || l > cborMaxScanCID || l == 0 {
				return false
			}
			b, ok := s.take(l)
			if !ok || !validCID(b[1:]) {
				return false
			}
		case cborMajArray:
			remaining += extra
		case cborMajMap:
			remaining += extra * 2
		default:
			return false
		}
	}
	return true
}

// validCID reports whether cid.Cast accepts data, without building the CID
// (the same checks as cid.CidFromBytes, and no trailing bytes).
func validCID(data []byte) bool {
	if len(data) > 2 && data[0] == mh.SHA2_256 && data[1] == 32 {
		if len(data) < 34 {
			return false
		}
		_, err := mh.Cast(data[:34])
		return err == nil && len(data) == 34
	}
	vers, n, err := varint.FromUvarint(data)
	if err != nil || vers != 1 {
		return false
	}
	_, cn, err := varint.FromUvarint(data[n:])
	if err != nil {
		return false
	}
	mhn, _, err := mh.MHFromBytes(data[n+cn:])
	return err == nil && n+cn+mhn == len(data)
}

// commitFilter is what the stream's filter needs of a #commit frame.
type commitFilter struct {
	seq  int64
	time []byte
	ours bool // an op's path names a record of a wanted collection
}

// scanCommitFrame reads a #commit frame far enough to filter it, without
// decoding its blocks or building its ops. It reports ok only for a frame
// decodeFrame would decode as a #commit with a positive seq (and no
// repeated field, which the scan leaves to decodeFrame); every other frame
// is for decodeFrame. wants says whether an op's path is one of ours.
func scanCommitFrame(b []byte, wants func(path []byte) bool) (c commitFilter, ok bool) {
	s := cborScan{b: b}
	if !s.commitHeader() {
		return c, false
	}
	if !s.commitBody(&c, wants) || s.off != len(b) || c.seq <= 0 {
		return c, false
	}
	return c, true
}

// commitHeader reads a frame header (events.EventHeader) and reports
// whether it is op 1, type #commit.
func (s *cborScan) commitHeader() bool {
	n, ok := s.mapLen()
	if !ok {
		return false
	}
	var (
		op      int64
		msgType []byte
		seen    [2]bool
	)
	for range n {
		k, ok := s.key(2)
		if !ok {
			return false
		}
		switch string(k) {
		case "t":
			msgType, ok = s.text()
			ok = ok && !seen[0]
			seen[0] = true
		case "op":
			op, ok = s.int64()
			ok = ok && !seen[1]
			seen[1] = true
		default:
			ok = s.skip()
		}
		if !ok {
			return false
		}
	}
	return op == 1 && string(msgType) == kindCommit
}

// commitFields are the fields of a #commit, for spotting repeats.
var commitFields = []string{"ops", "rev", "seq", "repo", "time", "blobs", "since", "blocks", "commit", "rebase", "tooBig", "prevData"}

// commitBody reads a #commit body (comatproto.SyncSubscribeRepos_Commit)
// into c.
func (s *cborScan) commitBody(c *commitFilter, wants func([]byte) bool) bool {
	n, ok := s.mapLen()
	if !ok {
		return false
	}
	var seen uint16
	for range n {
		k, ok := s.key(8)
		if !ok {
			return false
		}
		field := -1
		for j, name := range commitFields {
			if string(k) == name {
				field = j
			}
		}
		if field < 0 {
			if !s.skip() {
				return false
			}
			continue
		}
		if seen&(1<<field) != 0 || !s.commitField(field, c, wants) {
			return false
		}
		seen |= 1 << field
	}
	return true
}

// commitField reads the value of commitFields[field] into c.
func (s *cborScan) commitField(field int, c *commitFilter, wants func([]byte) bool) bool {
	switch commitFields[field] {
	case "ops":
		return s.ops(c, wants)
	case "rev", "repo":
		_, ok := s.text()
		return ok
	case "seq":
		var ok bool
		c.seq, ok = s.int64()
		return ok
	case "time":
		var ok bool
		c.time, ok = s.text()
		return ok
	case "blobs":
		maj, n, ok := s.header()
		if !ok || n > cborMaxLength || maj != cborMajArray {
			return false
		}
		for range n {
			if !s.link() {
				return false
			}
		}
		return true
	case "since":
		isNull, ok := s.null()
		if ok && !isNull {
			_, ok = s.text()
		}
		return ok
	case "blocks":
		maj, n, ok := s.header()
		if !ok || n > cborMaxBlocks || maj != cborMajBytes {
			return false
		}
		_, ok = s.take(n)
		return ok
	case "commit":
		return s.link()
	case "rebase", "tooBig":
		return s.bool()
	case "prevData":
		return s.nullableLink()
	}
	return false
}

// ops reads a commit's ops (each a comatproto.SyncSubscribeRepos_RepoOp or
// null) and notes whether one of them is ours.
func (s *cborScan) ops(c *commitFilter, wants func([]byte) bool) bool {
	maj, n, ok := s.header()
	if !ok || n > cborMaxLength || maj != cborMajArray {
		return false
	}
	for range n {
		isNull, ok := s.null()
		if !ok {
			return false
		}
		if isNull {
			continue
		}
		path, ok := s.op()
		if !ok {
			return false
		}
		if wants(path) {
			c.ours = true
		}
	}
	return true
}

// op reads one op and returns its path.
func (s *cborScan) op() (path []byte, ok bool) {
	n, ok := s.mapLen()
	if !ok {
		return nil, false
	}
	var seen [4]bool
	for range n {
		k, ok := s.key(6)
		if !ok {
			return nil, false
		}
		f := -1
		switch string(k) {
		case "cid":
			f, ok = 0, s.nullableLink()
		case "prev":
			f, ok = 1, s.nullableLink()
		case "path":
			f = 2
			path, ok = s.text()
		case "action":
			f = 3
			_, ok = s.text()
		default:
			ok = s.skip()
		}
		if !ok {
			return nil, false
		}
		if f >= 0 {
			if seen[f] {
				return nil, false
			}
			seen[f] = true
		}
	}
	return path, true
}
