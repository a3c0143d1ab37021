package query

import (
	"github.com/recq/recq/storage"
)

// FileDescription is what `recq describe` and DESCRIBE 'path' report about
// a data file: its layout, geometry and how it can be read.
type FileDescription struct {
	Table *storage.Table
	// Direct says whether O_DIRECT reads work on this file, and why not.
	DirectOK     bool
	DirectReason string
	// Resident and Size give the page-cache residency in bytes (Resident
	// is -1 when it could not be measured).
	Resident int64
}

// DescribeFile opens the file at path (see OpenTable) and gathers its
// description. Opening checks the header or layout, so a damaged file
// gives the same error here as in a query.
func DescribeFile(path string, opts OpenTableOptions) (*FileDescription, error) {
	t, err := OpenTable(path, opts)
	if err != nil {
		return nil, err
	}
	d := &FileDescription{Table: t, Resident: -1}
	if t.Compression != nil {
		d.DirectReason = "compressed: decompressed as it is read"
	} else if src, err := storage.OpenSource(path, storage.Direct, storage.FullScan); err != nil {
		d.DirectReason = err.Error()
	} else {
		d.DirectOK = src.Strategy() == storage.Direct
		d.DirectReason = src.Reason()
		src.Close()
	}
	if r, _, err := storage.Residency(path); err == nil {
		d.Resident = r
	}
	return d, nil
}
