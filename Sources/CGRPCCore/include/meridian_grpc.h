// A small C surface over gRPC C core for Meridian's Swift transport.
//
// gRPC core's batch API needs op arrays, unions and slices that must stay
// alive until an op completes, and several of its accessors are macros.
// Swift cannot express those safely, so this shim owns that storage inside
// one struct per call (`mgrpc_call`) and exposes plain functions only.
#ifndef MERIDIAN_GRPC_H
#define MERIDIAN_GRPC_H

#include <stddef.h>
#include <stdint.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The kinds of event `mgrpc_cq_next` reports.
typedef enum {
    MGRPC_EVENT_TIMEOUT = 0,
    MGRPC_EVENT_SHUTDOWN = 1,
    MGRPC_EVENT_COMPLETE = 2,
} mgrpc_event_kind;

typedef struct {
    mgrpc_event_kind kind;
    int success;
    void *tag;
} mgrpc_event;

void mgrpc_library_init(void);

/* Completion queues (polled with grpc_completion_queue_next). */
grpc_completion_queue *mgrpc_cq_create(void);
/// Blocks until an event arrives; `timeout_ms < 0` waits forever.
mgrpc_event mgrpc_cq_next(grpc_completion_queue *cq, int64_t timeout_ms);
void mgrpc_cq_shutdown(grpc_completion_queue *cq);
void mgrpc_cq_destroy(grpc_completion_queue *cq);

/* Server. */

/// How a server treats its connections. A value of 0 or less leaves gRPC core's default.
typedef struct {
    int max_receive_message_bytes;
    /// Server HTTP/2 PING after this much idle time (GRPC_ARG_KEEPALIVE_TIME_MS).
    int keepalive_time_ms;
    /// The connection is closed when a PING is not answered within this (GRPC_ARG_KEEPALIVE_TIMEOUT_MS).
    int keepalive_timeout_ms;
    /// Shortest interval between client PINGs without data before a strike
    /// (GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS).
    int min_client_ping_interval_ms;
    /// Strikes tolerated, one more sends GOAWAY ENHANCE_YOUR_CALM (GRPC_ARG_HTTP2_MAX_PING_STRIKES); negative: default.
    int max_ping_strikes;
    /// GOAWAY after this connection age, ±10% jitter added by gRPC core (GRPC_ARG_MAX_CONNECTION_AGE_MS).
    int max_connection_age_ms;
    /// Time streams keep after that GOAWAY before the connection is closed (GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS).
    int max_connection_age_grace_ms;
} mgrpc_server_options;

grpc_server *mgrpc_server_create(const mgrpc_server_options *options);
/// Binds an insecure HTTP/2 port; returns the bound port, 0 on failure.
int mgrpc_server_add_insecure_port(grpc_server *server, const char *address);
void mgrpc_server_register_cq(grpc_server *server, grpc_completion_queue *cq);
void mgrpc_server_start(grpc_server *server);
void mgrpc_server_shutdown_and_notify(grpc_server *server, grpc_completion_queue *cq, void *tag);
void mgrpc_server_cancel_all_calls(grpc_server *server);
void mgrpc_server_destroy(grpc_server *server);
/// After a failed bind: the errno of binding `address` (host:port) once more,
/// without address or port reuse; EADDRINUSE when another socket holds it, 0 when it binds.
int mgrpc_address_bind_errno(const char *address);

/* Client channel. */
grpc_channel *mgrpc_channel_create_insecure(const char *target, int max_receive_message_bytes);
/// A channel with a connection of its own (a local subchannel pool), never shared with other channels.
grpc_channel *mgrpc_channel_create_insecure_own_connection(const char *target, int max_receive_message_bytes);
void mgrpc_channel_destroy(grpc_channel *channel);

/// The storage for one call, server or client side. Exactly one Swift
/// object owns it and frees it with `mgrpc_call_destroy`.
typedef struct mgrpc_call mgrpc_call;

mgrpc_call *mgrpc_call_create(void);
/// Releases the grpc_call reference and every buffer the struct holds.
void mgrpc_call_destroy(mgrpc_call *call);

/* Server side. */
grpc_call_error mgrpc_server_request_call(grpc_server *server, mgrpc_call *call,
                                          grpc_completion_queue *call_cq,
                                          grpc_completion_queue *notification_cq,
                                          void *tag);
/// The full method path of an accepted call ("/package.Service/Method").
const char *mgrpc_call_method(const mgrpc_call *call, size_t *length);
/// The peer address of the call; the caller frees it with `mgrpc_free_string`.
char *mgrpc_call_peer(const mgrpc_call *call);
void mgrpc_free_string(char *string);
size_t mgrpc_call_metadata_count(const mgrpc_call *call);
/// Key and value of received initial metadata entry `index`.
void mgrpc_call_metadata_at(const mgrpc_call *call, size_t index,
                            const char **key, size_t *key_length,
                            const char **value, size_t *value_length);
/// RECV_CLOSE_ON_SERVER: completes when the call ends for any reason.
grpc_call_error mgrpc_call_recv_close_on_server(mgrpc_call *call, void *tag);
int mgrpc_call_was_cancelled(const mgrpc_call *call);
/// SEND_STATUS_FROM_SERVER (with initial metadata if none was sent yet).
grpc_call_error mgrpc_call_send_status(mgrpc_call *call, grpc_status_code code,
                                       const char *details, void *tag);

/* Client side. */
mgrpc_call *mgrpc_client_call_create(grpc_channel *channel, grpc_completion_queue *cq,
                                     const char *method, int64_t timeout_ms);
/// Adds an initial metadata entry; call before `mgrpc_client_call_start`.
void mgrpc_client_call_add_metadata(mgrpc_call *call, const char *key, const char *value);
/// SEND_INITIAL_METADATA.
grpc_call_error mgrpc_client_call_start(mgrpc_call *call, void *tag);
/// RECV_INITIAL_METADATA + RECV_STATUS_ON_CLIENT: completes when the server has ended the call.
grpc_call_error mgrpc_client_call_recv_status(mgrpc_call *call, void *tag);
grpc_status_code mgrpc_call_status_code(const mgrpc_call *call);
/// The status details received; the caller frees it with `mgrpc_free_string`.
char *mgrpc_call_status_details(const mgrpc_call *call);
grpc_call_error mgrpc_client_call_close_send(mgrpc_call *call, void *tag);
void mgrpc_call_cancel(mgrpc_call *call);

/* Messages, both sides. At most one receive and one send in flight. */
grpc_call_error mgrpc_call_recv_message(mgrpc_call *call, void *tag);
/// After a receive completed: 1 when a message arrived, 0 at end of stream.
int mgrpc_call_has_message(const mgrpc_call *call);
size_t mgrpc_call_message_length(const mgrpc_call *call);
/// Copies the received message into `destination` (at least
/// `mgrpc_call_message_length` bytes) and releases the receive buffer.
void mgrpc_call_take_message(mgrpc_call *call, uint8_t *destination);
grpc_call_error mgrpc_call_send_message(mgrpc_call *call, const uint8_t *data, size_t length, void *tag);
/// Releases the buffer of a completed send.
void mgrpc_call_finish_send(mgrpc_call *call);

#ifdef __cplusplus
}
#endif

#endif
