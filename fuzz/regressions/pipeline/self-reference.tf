# Found by fuzzing: arguments that name their own resource's attributes, directly or
# through a second resource, made the reader recurse until the stack overflowed.
# Terraform rejects these too (a self-referential block, a cycle).

provider "aws" {
  region = "eu-west-1"
}

resource "aws_sqs_queue" "jobs" {
  name = "${aws_sqs_queue.jobs.name}-jobs"
}

resource "aws_sns_topic" "a" {
  name = aws_sns_topic.b.display_name
}

resource "aws_sns_topic" "b" {
  name         = "b"
  display_name = aws_sns_topic.a.name
}

resource "aws_sns_topic" "c" {
  display_name = aws_sns_topic.d.display_name
}

resource "aws_sns_topic" "d" {
  display_name = aws_sns_topic.c.display_name
}
