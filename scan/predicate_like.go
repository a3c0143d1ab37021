package scan

import (
	"github.com/recq/recq/storage"
)

// LIKE over a whole chunk.
//
// A pattern such as '%special%requests%' matches only values that contain
// its needle (like.Pattern.Needle: here "requests"). Rather than search
// each record's field on its own, paying a call per record,
// filterLikeNeedle searches the chunk's bytes from the first selected
// record to the last in long runs (like.Pattern.IndexNeedle, which looks
// for the needle's rarest byte with vector instructions), notes the
// records whose field holds the needle, and runs the full pattern on
// those alone. Every other selected record fails LIKE and passes NOT LIKE.

// likeDenseSel is the smallest share of the records between the first
// and the last selected one (1 in likeDenseSel) the selection must hold
// for the chunk search to pay: on fewer, testing each selected record
// reads less.
const likeDenseSel = 4

// filterLikeNeedle is the loop of [NOT] LIKE on a field whose raw bytes are
// its value (a binary CHAR, or a text one without a code page) when the
// pattern has a needle; false when it does not apply (no needle, or too
// few records selected). trim is how the field's value is read for the
// full pattern; isNull, when set, says which records hold NULL (which
// passes neither LIKE nor NOT LIKE).
func (c *compiled) filterLikeNeedle(ch *chunk, sel, out []int32, trim storage.TrimMode, isNull func(rec []byte) bool) ([]int32, bool) {
	needle := c.needle
	if len(needle) == 0 {
		return out, false
	}
	if len(sel) == 0 {
		return out, true
	}
	if span := int(sel[len(sel)-1]-sel[0]) + 1; len(sel)*likeDenseSel < span {
		return out, false
	}
	off, end, stride := c.field.Offset, c.field.End(), ch.stride
	data := ch.data
	hi := min(int(sel[len(sel)-1])*stride+end, len(data))
	var holders []int32 // records whose field holds the needle, ascending
	for pos := int(sel[0])*stride + off; pos+len(needle) <= hi; {
		i := c.like.IndexNeedle(data[pos:hi])
		if i < 0 {
			break
		}
		p := pos + i
		r := p / stride
		switch at := p - r*stride; {
		case at < off: // in a field before this one: go to this one
			pos = r*stride + off
		case at+len(needle) > end: // runs past the field's end: next record
			pos = (r+1)*stride + off
		default:
			holders = append(holders, int32(r))
			pos = (r+1)*stride + off
		}
	}
	notLike := c.bop == OpNotLike
	h := 0
	for _, r := range sel {
		for h < len(holders) && holders[h] < r {
			h++
		}
		rec := ch.record(r)
		if isNull != nil && isNull(rec) {
			continue
		}
		match := h < len(holders) && holders[h] == r && c.like.Match(storage.TrimChar(rec[off:end], trim))
		if match != notLike {
			out = append(out, r)
		}
	}
	return out, true
}
