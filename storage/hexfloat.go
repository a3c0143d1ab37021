package storage

import (
	"encoding/binary"
	"errors"
	"math"
)

// IBM hexadecimal floating point (COBOL COMP-1, 4 bytes, and COMP-2, 8
// bytes), big-endian: a sign bit, a 7-bit exponent of 16 biased by 64, and
// a 24-bit (short) or 56-bit (long) fraction: value = ±0.fraction × 16^(e-64).
// A long value has up to 56 significant bits, more than float64's 53: it is
// rounded to the nearest float64. Every short value is exact in a float64.

var errHFPRange = errors.New("value is out of the range of IBM hexadecimal floating point")

// decodeHFP converts a 4- or 8-byte IBM float to float64.
func decodeHFP(b []byte) float64 {
	var sign bool
	var exp int
	var frac uint64
	var fracBits int
	if len(b) == 4 {
		w := binary.BigEndian.Uint32(b)
		sign, exp, frac, fracBits = w>>31 != 0, int(w>>24&0x7F), uint64(w&0xFFFFFF), 24
	} else {
		w := binary.BigEndian.Uint64(b)
		sign, exp, frac, fracBits = w>>63 != 0, int(w>>56&0x7F), w&0xFFFFFFFFFFFFFF, 56
	}
	v := math.Ldexp(float64(frac), 4*(exp-64)-fracBits)
	if sign {
		v = -v
	}
	return v
}

// encodeHFP writes v as a 4- or 8-byte IBM float (len(dst)), rounding the
// fraction to nearest. Zero is all zero bytes; NaN, infinities and values
// beyond 16^63 are errors; values below 16^-65 are written unnormalized
// (fewer digits) and the smallest become zero.
func encodeHFP(dst []byte, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return errHFPRange
	}
	fracBits := 56
	if len(dst) == 4 {
		fracBits = 24
	}
	var sign uint64
	if v < 0 {
		sign, v = 1, -v
	}
	if v == 0 {
		clear(dst)
		return nil
	}
	// v = m × 2^e with 0.5 <= m < 1; find the base-16 exponent so that
	// 1/16 <= v / 16^x < 1.
	_, e := math.Frexp(v)
	x := (e + 3) >> 2 // ceil(e / 4), floor division for negatives
	if e <= 0 {
		x = -((-e) >> 2)
	}
	frac := uint64(math.Round(math.Ldexp(v, fracBits-4*x)))
	if frac >= 1<<fracBits {
		frac >>= 4
		x++
	}
	for frac != 0 && frac < 1<<(fracBits-4) {
		frac <<= 4
		x--
	}
	if x+64 > 127 {
		return errHFPRange
	}
	for x+64 < 0 && frac != 0 {
		// Below the normalized range: unnormalized, as the format
		// allows, rounding the digits shifted out.
		frac = (frac + 8) >> 4
		x++
	}
	if frac == 0 {
		clear(dst)
		return nil
	}
	w := sign<<63 | uint64(x+64)<<56 | frac<<(56-fracBits)
	if len(dst) == 4 {
		binary.BigEndian.PutUint32(dst, uint32(w>>32))
	} else {
		binary.BigEndian.PutUint64(dst, w)
	}
	return nil
}
