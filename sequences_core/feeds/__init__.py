"""Feed readers: where feedback arrives from (SQS, S3, IMAP). I/O only; rules live elsewhere."""
