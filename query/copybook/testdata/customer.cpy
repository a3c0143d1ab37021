000100*----------------------------------------------------------------*
000200* A customer record with every construct recq reads.            *
000300*----------------------------------------------------------------*
000400 01  CUSTOMER-RECORD.                                             CUSTREC
000500     05  CUST-ID             PIC 9(6).
000600     05  CUST-NAME           PIC X(20).
000700     05  FILLER              PIC X(2).
000800     05  CUST-TYPE           PIC X.
000900         88  TYPE-PERSON     VALUE 'P'.
001000         88  TYPE-COMPANY    VALUE 'C' 'K'.
001100     05  BALANCE             PIC S9(7)V99 COMP-3.
001200     05  CREDIT-LIMIT        PIC S9(5)V99.
001300     05  DELTA               PIC S9(4)V9 SIGN IS LEADING SEPARATE.
001400     05  ADJUST              PIC S9(3) SIGN TRAILING.
001500     05  BRANCH              PIC S9(4) COMP.
001600     05  VISITS              PIC 9(9) BINARY.
001700     05  BIG-COUNT           PIC S9(12) COMP-5 SYNC.
001800     05  RATE                COMP-2.
001900     05  RATIO               USAGE IS COMP-1.
002000     05  PRICE               PIC 9(5)V99 USAGE COMP-4.
002100     05  ADDRESS.
002200         10  STREET          PIC X(15).
002300         10  CITY            PIC X(10).
002400         10  ZIP             PIC 9(5).
002500     05  ADDRESS-ALT REDEFINES ADDRESS.
002600         10  ADDR-LINE       PIC X(30).
002700     05  SHIP-TO.
002800         10  CITY            PIC X(10).
002900         10  ZIP             PIC 9(5).
003000     05  MONTHLY OCCURS 3 TIMES INDEXED BY MX.
003100         10  AMOUNT          PIC S9(5)V99 PACKED-DECIMAL.
003200         10  TXN-COUNT       PIC 9(3).
003300     05  FLAGS               PIC X OCCURS 2.
003400     05  TOTAL-PRINT         PIC ZZ,ZZ9.99.
003500     05  NET-PRINT           PIC -ZZZ9.99.
003600     05  THOUSANDS           PIC 9(3)PP.
003700     05  FRACTION            PIC VPP99.
003800     05  NOTE-TEXT           PIC X(20) VALUE 'A LONG LITERAL THAT I
003900-                                 'S CONTINUED'.
004000     05  PKG-COUNT           PIC 9(3) COMP-3 VALUE ZERO.
004100 66  FULL-ADDRESS RENAMES STREET THRU ZIP.
