#include "textflag.h"

// func lineMasksAVX2(src []byte, dst []uint64)
// func lineMasksSSE2(src []byte, dst []uint64)
//
// For each 64-byte block of src (len(src) a multiple of 64), three words
// into dst: the bits of the bytes equal to '\n', of those equal to ':', and
// of those outside 0x20-0x7e. Compare each part of the block with the byte
// broadcast (PCMPEQB; PCMPGTB for > 0x1f, signed, so 0x80-0xff are not),
// gather the high bits (PMOVMSKB) and put them in place.

#define BROADCAST32(c, x, y) \
	MOVQ $c, AX \
	MOVQ AX, x \
	VPBROADCASTB x, y

// HALF classifies src[off:off+32] into bits shift..shift+31 of R8-R10.
#define HALF(off, shift) \
	VMOVDQU off(SI), Y0 \
	VPCMPEQB Y8, Y0, Y1 \
	VPMOVMSKB Y1, AX \
	SHLQ $shift, AX \
	ORQ AX, R8 \
	VPCMPEQB Y9, Y0, Y2 \
	VPMOVMSKB Y2, AX \
	SHLQ $shift, AX \
	ORQ AX, R9 \
	VPCMPGTB Y12, Y0, Y3 \
	VPMOVMSKB Y3, AX \
	VPCMPEQB Y13, Y0, Y4 \
	VPMOVMSKB Y4, BX \
	NOTL AX \
	ORL BX, AX \
	SHLQ $shift, AX \
	ORQ AX, R10

TEXT ·lineMasksAVX2(SB), NOSPLIT, $0-48
	MOVQ src_base+0(FP), SI
	MOVQ src_len+8(FP), CX
	MOVQ dst_base+24(FP), DI
	BROADCAST32(0x0a, X8, Y8)
	BROADCAST32(0x3a, X9, Y9)
	BROADCAST32(0x1f, X12, Y12)
	BROADCAST32(0x7f, X13, Y13)
	SHRQ $6, CX
	JZ   avxdone

avxloop:
	XORQ R8, R8
	XORQ R9, R9
	XORQ R10, R10
	HALF(0, 0)
	HALF(32, 32)
	MOVQ R8, 0(DI)
	MOVQ R9, 8(DI)
	MOVQ R10, 16(DI)
	ADDQ $64, SI
	ADDQ $24, DI
	DECQ CX
	JNZ  avxloop

avxdone:
	VZEROUPPER
	RET

#define BROADCAST16(c, x) \
	MOVQ $c, AX \
	MOVQ AX, x \
	PUNPCKLQDQ x, x

// QUARTER classifies src[off:off+16] into bits shift..shift+15 of R8-R10.
#define QUARTER(off, shift) \
	MOVOU off(SI), X0 \
	MOVOU X0, X1 \
	PCMPEQB X8, X1 \
	PMOVMSKB X1, AX \
	SHLQ $shift, AX \
	ORQ AX, R8 \
	MOVOU X0, X2 \
	PCMPEQB X9, X2 \
	PMOVMSKB X2, AX \
	SHLQ $shift, AX \
	ORQ AX, R9 \
	MOVOU X0, X3 \
	PCMPGTB X12, X3 \
	PMOVMSKB X3, AX \
	PCMPEQB X13, X0 \
	PMOVMSKB X0, BX \
	XORL $0xffff, AX \
	ORL BX, AX \
	SHLQ $shift, AX \
	ORQ AX, R10

TEXT ·lineMasksSSE2(SB), NOSPLIT, $0-48
	MOVQ src_base+0(FP), SI
	MOVQ src_len+8(FP), CX
	MOVQ dst_base+24(FP), DI
	BROADCAST16(0x0a0a0a0a0a0a0a0a, X8)
	BROADCAST16(0x3a3a3a3a3a3a3a3a, X9)
	BROADCAST16(0x1f1f1f1f1f1f1f1f, X12)
	BROADCAST16(0x7f7f7f7f7f7f7f7f, X13)
	SHRQ $6, CX
	JZ   ssedone

sseloop:
	XORQ R8, R8
	XORQ R9, R9
	XORQ R10, R10
	QUARTER(0, 0)
	QUARTER(16, 16)
	QUARTER(32, 32)
	QUARTER(48, 48)
	MOVQ R8, 0(DI)
	MOVQ R9, 8(DI)
	MOVQ R10, 16(DI)
	ADDQ $64, SI
	ADDQ $24, DI
	DECQ CX
	JNZ  sseloop

ssedone:
	RET
