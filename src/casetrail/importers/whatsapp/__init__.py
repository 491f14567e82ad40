"""WhatsApp chat exports (.txt and .zip with media), Android and iOS."""
