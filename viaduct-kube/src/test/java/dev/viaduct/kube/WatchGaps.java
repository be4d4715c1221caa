package dev.viaduct.kube;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The CRUD mock API server, plus what a real one does when a watcher falls behind: {@link #open} starts a
 * gap in which the watches of one resource path (say {@code /api/v1/pods}) deliver nothing (the events are
 * lost, as on a broken connection whose resumption finds them compacted away), and {@link #expire} ends it
 * the way the API server does once the watch's resourceVersion is too old: an {@code ERROR} event carrying
 * a {@code 410 Gone} Status ("too old resource version"). The informer must then list again.
 */
final class WatchGaps extends Dispatcher {
    private final KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
    private final Set<String> gaps = ConcurrentHashMap.newKeySet();
    private final List<Watch> watches = new CopyOnWriteArrayList<>();

    private record Watch(String path, WebSocket socket) {
    }

    /** From now on, watches of {@code resourcePath} deliver nothing. */
    void open(String resourcePath) {
        gaps.add(resourcePath);
    }

    /** Ends the gap: every open watch of {@code resourcePath} gets 410 Gone; returns how many. */
    int expire(String resourcePath) {
        gaps.remove(resourcePath);
        int n = 0;
        for (Watch w : watches) {
            if (w.path().equals(resourcePath)) {
                w.socket().send("{\"type\":\"ERROR\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\","
                        + "\"message\":\"too old resource version: 1 (42)\",\"reason\":\"Expired\",\"code\":410}}");
                n++;
            }
        }
        return n;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        MockResponse r = crud.dispatch(request);
        WebSocketListener inner = r.getWebSocketListener();
        if (inner == null) {
            return r;
        }
        String path = request.getPath().split("\\?", 2)[0];
        return r.withWebSocketUpgrade(new WebSocketListener() {
            @Override
            public void onOpen(WebSocket socket, Response response) {
                watches.add(new Watch(path, socket));
                inner.onOpen(new Gapped(path, socket), response);
            }

            @Override
            public void onMessage(WebSocket socket, String text) {
                inner.onMessage(socket, text);
            }

            @Override
            public void onClosing(WebSocket socket, int code, String reason) {
                inner.onClosing(socket, code, reason);
            }

            @Override
            public void onClosed(WebSocket socket, int code, String reason) {
                watches.removeIf(w -> w.socket() == socket);
                inner.onClosed(socket, code, reason);
            }

            @Override
            public void onFailure(WebSocket socket, Throwable t, Response response) {
                watches.removeIf(w -> w.socket() == socket);
                inner.onFailure(socket, t, response);
            }
        });
    }

    @Override
    public void shutdown() {
        crud.shutdown();
    }

    /** The socket the CRUD dispatcher sends events on: silent during a gap. */
    private final class Gapped implements WebSocket {
        private final String path;
        private final WebSocket socket;

        Gapped(String path, WebSocket socket) {
            this.path = path;
            this.socket = socket;
        }

        @Override
        public RecordedRequest request() {
            return socket.request();
        }

        @Override
        public boolean send(String text) {
            return gaps.contains(path) || socket.send(text);
        }

        @Override
        public boolean send(byte[] bytes) {
            return gaps.contains(path) || socket.send(bytes);
        }

        @Override
        public boolean send(ByteString bytes) {
            return gaps.contains(path) || socket.send(bytes);
        }

        @Override
        public boolean close(int code, String reason) {
            return socket.close(code, reason);
        }
    }
}
