package storage

import (
	"bufio"
	"fmt"
	"io"
)

// VarWriter writes variable-length records: each preceded by an RDW (V),
// and for VB gathered into blocks of at most BlockSize bytes (headers
// included), each preceded by a BDW. The headers follow the Framing's
// byte orders and adjustments, so what VarWriter writes reads back with
// the same options.
type VarWriter struct {
	w         *bufio.Writer
	fr        Framing
	blockSize int
	block     []byte // VB: the block being filled, RDWs included
}

// DefaultBlockSize is the VB block size NewVarWriter uses for 0: the
// largest z/OS block of a tape-sized data set (32760 bytes).
const DefaultBlockSize = 32760

// NewVarWriter writes records to w with fr's headers; blockSize bounds a
// VB block (0: DefaultBlockSize). Call Close to write the last block.
func NewVarWriter(w io.Writer, fr Framing, blockSize int) *VarWriter {
	if blockSize <= 0 {
		blockSize = DefaultBlockSize
	}
	return &VarWriter{w: bufio.NewWriterSize(w, 1<<16), fr: fr, blockSize: blockSize}
}

// putLength stores value in a header: big-endian in bytes 0-1, or
// little-endian in bytes lo..lo+1, the other two bytes zero.
func putLength(h []byte, value int, little bool, lo int) {
	clear(h)
	if little {
		h[lo], h[lo+1] = byte(value), byte(value>>8)
		return
	}
	h[0], h[1] = byte(value>>8), byte(value)
}

// Write writes one record.
func (v *VarWriter) Write(rec []byte) error {
	value := len(rec) - v.fr.RDWAdjust
	if len(rec) == 0 || value <= 0 || value > 0xFFFF {
		return fmt.Errorf("a record of %d bytes cannot be written with an RDW (rdw_adjustment %d): RDW lengths are 1 to 65535", len(rec), v.fr.RDWAdjust)
	}
	var h [HeaderLen]byte
	putLength(h[:], value, v.fr.RDWLittleEndian, 0)
	if !v.fr.Blocked {
		if _, err := v.w.Write(h[:]); err != nil {
			return err
		}
		_, err := v.w.Write(rec)
		return err
	}
	need := HeaderLen + len(rec)
	if HeaderLen+need > v.blockSize && HeaderLen+need > 0xFFFF {
		return fmt.Errorf("a record of %d bytes does not fit in a block", len(rec))
	}
	if len(v.block) > 0 && HeaderLen+len(v.block)+need > v.blockSize {
		if err := v.flushBlock(); err != nil {
			return err
		}
	}
	v.block = append(append(v.block, h[:]...), rec...)
	return nil
}

// flushBlock writes the block being filled with its BDW.
func (v *VarWriter) flushBlock() error {
	value := len(v.block) - v.fr.BDWAdjust
	if value <= 0 || value > 0xFFFF {
		return fmt.Errorf("a block of %d bytes cannot be written with a BDW (bdw_adjustment %d)", len(v.block), v.fr.BDWAdjust)
	}
	var h [HeaderLen]byte
	putLength(h[:], value, v.fr.BDWLittleEndian, 2)
	if _, err := v.w.Write(h[:]); err != nil {
		return err
	}
	_, err := v.w.Write(v.block)
	v.block = v.block[:0]
	return err
}

// Close writes the last block (VB) and flushes; it does not close the
// underlying writer.
func (v *VarWriter) Close() error {
	if len(v.block) > 0 {
		if err := v.flushBlock(); err != nil {
			return err
		}
	}
	return v.w.Flush()
}
