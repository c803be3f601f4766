"""google.rpc.Status, the message in grpc-status-details-bin, without a copy of its proto.

Debian ships no googleapis-common-protos, so the message is declared here by its wire layout:
code = 1, message = 2, repeated google.protobuf.Any details = 3. It lives under a name of its own,
so it never clashes with a real google.rpc.Status a user's program may also load.
"""
from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message_factory

_FIELD = descriptor_pb2.FieldDescriptorProto


def _status_class():
    file = descriptor_pb2.FileDescriptorProto(
        name="graphgrpc/_rpc/status.proto", package="graphgrpc._rpc", syntax="proto3",
        dependency=[any_pb2.DESCRIPTOR.name])
    message = file.message_type.add(name="Status")
    message.field.add(name="code", number=1, type=_FIELD.TYPE_INT32, label=_FIELD.LABEL_OPTIONAL)
    message.field.add(name="message", number=2, type=_FIELD.TYPE_STRING, label=_FIELD.LABEL_OPTIONAL)
    message.field.add(name="details", number=3, type=_FIELD.TYPE_MESSAGE, label=_FIELD.LABEL_REPEATED,
                      type_name=".google.protobuf.Any")
    pool = descriptor_pool.Default()
    try:
        descriptor = pool.FindMessageTypeByName("graphgrpc._rpc.Status")
    except KeyError:
        pool.Add(file)
        descriptor = pool.FindMessageTypeByName("graphgrpc._rpc.Status")
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


Status = _status_class()
