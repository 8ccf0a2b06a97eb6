package dynamo

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// EventRecord converts a record read with the DynamoDB Streams API
// (GetRecords) into the form a Lambda receives in its DynamoDB event, so the
// records of a stream read by hand (DynamoDB Local) can be handed to the same
// handler. GetRecords does not carry the stream's ARN: the caller sets
// EventSourceArn when the handler needs it.
func EventRecord(r streamtypes.Record) (events.DynamoDBEventRecord, error) {
	out := events.DynamoDBEventRecord{
		AWSRegion:    aws.ToString(r.AwsRegion),
		EventID:      aws.ToString(r.EventID),
		EventName:    string(r.EventName),
		EventSource:  aws.ToString(r.EventSource),
		EventVersion: aws.ToString(r.EventVersion),
	}
	if id := r.UserIdentity; id != nil {
		out.UserIdentity = &events.DynamoDBUserIdentity{Type: aws.ToString(id.Type), PrincipalID: aws.ToString(id.PrincipalId)}
	}
	sr := r.Dynamodb
	if sr == nil {
		return out, nil
	}
	var err error
	if out.Change.Keys, err = eventImage(sr.Keys); err != nil {
		return out, fmt.Errorf("dynamo: stream record %s keys: %w", out.EventID, err)
	}
	if out.Change.NewImage, err = eventImage(sr.NewImage); err != nil {
		return out, fmt.Errorf("dynamo: stream record %s new image: %w", out.EventID, err)
	}
	if out.Change.OldImage, err = eventImage(sr.OldImage); err != nil {
		return out, fmt.Errorf("dynamo: stream record %s old image: %w", out.EventID, err)
	}
	if sr.ApproximateCreationDateTime != nil {
		out.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *sr.ApproximateCreationDateTime}
	}
	out.Change.SequenceNumber = aws.ToString(sr.SequenceNumber)
	out.Change.SizeBytes = aws.ToInt64(sr.SizeBytes)
	out.Change.StreamViewType = string(sr.StreamViewType)
	return out, nil
}

// eventImage converts a stream image (nil stays nil, as an absent image).
func eventImage(img map[string]streamtypes.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	if img == nil {
		return nil, nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(img))
	for k, v := range img {
		ev, err := eventAV(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
		out[k] = ev
	}
	return out, nil
}

// eventAV mirrors store.ToEventImage for the Streams API's own union type.
func eventAV(v streamtypes.AttributeValue) (events.DynamoDBAttributeValue, error) {
	switch v := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberNULL:
		return events.NewNullAttribute(), nil
	case *streamtypes.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			c, err := eventAV(e)
			if err != nil {
				return events.DynamoDBAttributeValue{}, err
			}
			l[i] = c
		}
		return events.NewListAttribute(l), nil
	case *streamtypes.AttributeValueMemberM:
		m, err := eventImage(v.Value)
		if err != nil {
			return events.DynamoDBAttributeValue{}, err
		}
		return events.NewMapAttribute(m), nil
	}
	return events.DynamoDBAttributeValue{}, fmt.Errorf("unsupported attribute value %T", v)
}
