package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/recq/recq/query"
	"github.com/recq/recq/storage"
)

// genVarFramings are the headers recq gen --record-format writes: RDWs
// and BDWs that count their own 4 bytes, as z/OS writes them (read with
// rdw_adjustment = -4, bdw_adjustment = -4).
var genVarFramings = map[string]storage.Framing{
	"V":  {RDWAdjust: -4},
	"VB": {Blocked: true, RDWAdjust: -4, BDWAdjust: -4},
}

// rewriteAsVar rewrites the fixed-length EBCDIC file at path (with its
// sidecar) as variable-length records of record format rf (V or VB): each
// record gets an RDW, and the sidecar the options that read it. Both
// files are replaced atomically.
func rewriteAsVar(path, rf string) error {
	fr := genVarFramings[rf]
	side := path + ".schema"
	ddl, err := os.ReadFile(side)
	if err != nil {
		return err
	}
	l, err := query.ParseLayout(string(ddl))
	if err != nil {
		return fmt.Errorf("%s: %w", side, err)
	}
	recLen := max(l.Schema.RecordLen, l.Raw.RecordLen)
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := storage.NewVarWriter(tmp, fr, 0)
	br := bufio.NewReaderSize(in, 1<<20)
	rec := make([]byte, recLen)
	for {
		if _, err := io.ReadFull(br, rec); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	text := strings.TrimRight(string(ddl), "\n")
	if !strings.HasSuffix(text, ");") {
		return fmt.Errorf("%s: the layout does not end with a WITH (...) clause", side)
	}
	opts := fmt.Sprintf(", record_format = '%s', rdw_adjustment = %d", rf, fr.RDWAdjust)
	if fr.Blocked {
		opts += fmt.Sprintf(", bdw_adjustment = %d", fr.BDWAdjust)
	}
	text = strings.TrimSuffix(text, ");") + opts + ");\n"
	if err := storage.WriteFileAtomic(side, []byte(text), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
