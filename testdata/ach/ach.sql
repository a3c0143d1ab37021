-- NACHA ACH: one table per record type of the same file. Every table
-- names the record-type column and the parent links; segment_filter picks
-- its type. Amounts are in cents: IMPLIED DECIMALS 2 reads them as dollars.
CREATE TABLE ach_file (
  record_type CHAR(1) POSITION(1:1),
  priority_code CHAR(2) POSITION(2:3),
  immediate_destination CHAR(10) POSITION(4:13) TRIM BOTH,
  immediate_origin CHAR(10) POSITION(14:23) TRIM BOTH,
  file_creation_date DATE POSITION(24:29) FORMAT 'YYMMDD',
  file_creation_time CHAR(4) POSITION(30:33),
  file_id_modifier CHAR(1) POSITION(34:34),
  record_size INT16 POSITION(35:37),
  blocking_factor INT16 POSITION(38:39),
  format_code CHAR(1) POSITION(40:40),
  immediate_destination_name CHAR(23) POSITION(41:63),
  immediate_origin_name CHAR(23) POSITION(64:86),
  reference_code CHAR(8) POSITION(87:94)
) WITH (file = 'payments.ach', format = 'text', segment_field = 'record_type', segment_filter = '1',
        segment_children = '1 => 5, 9; 5 => 6, 8; 6 => 7');

CREATE TABLE ach_batch (
  record_type CHAR(1) POSITION(1:1),
  service_class_code INT16 POSITION(2:4),
  company_name CHAR(16) POSITION(5:20),
  company_discretionary_data CHAR(20) POSITION(21:40),
  company_identification CHAR(10) POSITION(41:50),
  standard_entry_class_code CHAR(3) POSITION(51:53),
  company_entry_description CHAR(10) POSITION(54:63),
  company_descriptive_date CHAR(6) POSITION(64:69),
  effective_entry_date DATE POSITION(70:75) FORMAT 'YYMMDD',
  settlement_date CHAR(3) POSITION(76:78),
  originator_status_code CHAR(1) POSITION(79:79),
  originating_dfi CHAR(8) POSITION(80:87),
  batch_number INT32 POSITION(88:94)
) WITH (file = 'payments.ach', format = 'text', segment_field = 'record_type', segment_filter = '5',
        segment_children = '1 => 5, 9; 5 => 6, 8; 6 => 7');

CREATE TABLE ach_entry (
  record_type CHAR(1) POSITION(1:1),
  transaction_code INT16 POSITION(2:3),
  receiving_dfi CHAR(8) POSITION(4:11),
  check_digit INT16 POSITION(12:12),
  dfi_account_number CHAR(17) POSITION(13:29),
  amount DECIMAL(10,2) POSITION(30:39) IMPLIED DECIMALS 2,
  individual_id CHAR(15) POSITION(40:54),
  individual_name CHAR(22) POSITION(55:76),
  discretionary_data CHAR(2) POSITION(77:78),
  addenda_indicator INT16 POSITION(79:79),
  trace_number CHAR(15) POSITION(80:94)
) WITH (file = 'payments.ach', format = 'text', segment_field = 'record_type', segment_filter = '6',
        segment_children = '1 => 5, 9; 5 => 6, 8; 6 => 7');

CREATE TABLE ach_addenda (
  record_type CHAR(1) POSITION(1:1),
  addenda_type_code CHAR(2) POSITION(2:3),
  payment_related_information CHAR(80) POSITION(4:83),
  addenda_sequence_number INT32 POSITION(84:87),
  entry_detail_sequence_number INT32 POSITION(88:94)
) WITH (file = 'payments.ach', format = 'text', segment_field = 'record_type', segment_filter = '7',
        segment_children = '1 => 5, 9; 5 => 6, 8; 6 => 7');

CREATE TABLE ach_batch_control (
  record_type CHAR(1) POSITION(1:1),
  service_class_code INT16 POSITION(2:4),
  entry_addenda_count INT32 POSITION(5:10),
  entry_hash INT64 POSITION(11:20),
  total_debit DECIMAL(12,2) POSITION(21:32) IMPLIED DECIMALS 2,
  total_credit DECIMAL(12,2) POSITION(33:44) IMPLIED DECIMALS 2,
  company_identification CHAR(10) POSITION(45:54),
  message_authentication_code CHAR(19) POSITION(55:73),
  reserved CHAR(6) POSITION(74:79),
  originating_dfi CHAR(8) POSITION(80:87),
  batch_number INT32 POSITION(88:94)
) WITH (file = 'payments.ach', format = 'text', segment_field = 'record_type', segment_filter = '8',
        segment_children = '1 => 5, 9; 5 => 6, 8; 6 => 7');

CREATE TABLE ach_file_control (
  record_type CHAR(1) POSITION(1:1),
  batch_count INT32 POSITION(2:7),
  block_count INT32 POSITION(8:13),
  entry_addenda_count INT32 POSITION(14:21),
  entry_hash INT64 POSITION(22:31),
  total_debit DECIMAL(12,2) POSITION(32:43) IMPLIED DECIMALS 2,
  total_credit DECIMAL(12,2) POSITION(44:55) IMPLIED DECIMALS 2,
  reserved CHAR(39) POSITION(56:94)
) WITH (file = 'payments.ach', format = 'text', segment_field = 'record_type', segment_filter = '9',
        segment_children = '1 => 5, 9; 5 => 6, 8; 6 => 7');
