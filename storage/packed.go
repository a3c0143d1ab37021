package storage

// Packed decimals (COBOL COMP-3): two digits per byte, one per nibble, the
// last nibble the sign: C, A, E or F positive (F is what unsigned PIC 9
// fields hold), D or B negative, as IBM's decimal instructions accept
// them. An UNSIGNED packed field (Cobrix's COMP-3U) has no sign nibble:
// every nibble is a digit. A field of w bytes holds 2w-1 digits (2w
// without a sign nibble).

// PackedWidth is the byte width of a packed field of the given number of
// digits.
func PackedWidth(digits int, unsigned bool) int {
	if unsigned {
		return (digits + 1) / 2
	}
	return digits/2 + 1
}

// PackedDigits is the number of digits a packed field of width bytes holds.
func PackedDigits(width int, unsigned bool) int {
	if unsigned {
		return 2 * width
	}
	return 2*width - 1
}

// parsePacked reads a packed decimal's magnitude and sign.
func parsePacked(b []byte, unsigned bool) (mag u128, neg bool, err error) {
	if len(b) == 0 {
		return mag, false, errBadPacked
	}
	last := len(b) - 1
	if !unsigned {
		last-- // the last byte is handled below
	}
	significant := 0
	for i := 0; i <= last; i++ {
		c := b[i]
		hi, lo := c>>4, c&0x0F
		if hi > 9 || lo > 9 {
			return mag, false, errBadPacked
		}
		if significant > 0 || hi != 0 {
			significant++
		}
		if significant > 0 || lo != 0 {
			significant++
		}
		if significant > MaxWideDecimalPrecision {
			return mag, false, errOverflow
		}
		if mag.hi == 0 && mag.lo < 1<<56 {
			mag.lo = mag.lo*100 + uint64(hi)*10 + uint64(lo)
		} else {
			mag = mag.mul10add(uint64(hi)).mul10add(uint64(lo))
		}
	}
	if unsigned {
		return mag, false, nil
	}
	c := b[len(b)-1]
	d, sign := c>>4, c&0x0F
	if d > 9 {
		return mag, false, errBadPacked
	}
	if significant > 0 || d != 0 {
		significant++
		if significant > MaxWideDecimalPrecision {
			return mag, false, errOverflow
		}
	}
	mag = mag.mul10add(uint64(d))
	switch sign {
	case 0xC, 0xA, 0xE, 0xF:
	case 0xD, 0xB:
		neg = !mag.isZero()
	default:
		return mag, false, errBadPacked
	}
	return mag, neg, nil
}

// putPacked writes a magnitude and sign as a packed decimal filling dst:
// sign nibble C or D (none when unsigned).
func putPacked(dst []byte, mag u128, neg, unsigned bool) error {
	if unsigned && neg {
		return errNegUnsigned
	}
	nibble := 2*len(dst) - 1
	if !unsigned {
		sign := byte(0xC)
		if neg {
			sign = 0xD
		}
		dst[len(dst)-1] = sign
		nibble--
	}
	for i := len(dst) - 1; i >= 0; i-- {
		if !(i == len(dst)-1 && !unsigned) {
			dst[i] = 0
		}
	}
	for ; nibble >= 0; nibble-- {
		q, r := mag.divmod10()
		mag = q
		if nibble%2 == 1 {
			dst[nibble/2] |= byte(r)
		} else {
			dst[nibble/2] |= byte(r) << 4
		}
	}
	if !mag.isZero() {
		return errOverflow
	}
	return nil
}
