      * An order record (testdata/mainframe/orders.ebc, docs/mainframe.md):
      * a group repeated a fixed number of times and a group repeated as
      * many times as LINE-COUNT says (OCCURS DEPENDING ON).
       01 ORDER-REC.
          05 ORDER-ID      PIC 9(6).
          05 LINE-COUNT    PIC S9(3) COMP-3.
          05 QUARTER       OCCURS 4 TIMES.
             10 AMOUNT     PIC S9(7)V99 COMP-3.
             10 FLAG       PIC X.
          05 ORDER-LINE    OCCURS 1 TO 5 TIMES DEPENDING ON LINE-COUNT.
             10 SKU        PIC X(8).
             10 QTY        PIC S9(4) COMP.
             10 PRICE      PIC S9(5)V99.
          05 TAGS          PIC X(2) OCCURS 3 TIMES.
          05 NOTE          PIC X(10).
