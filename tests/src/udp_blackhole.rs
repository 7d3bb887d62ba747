//! A firewall that drops RTP over UDP: a TCP proxy in front of an RTSP
//! server that passes the RTSP conversation but rewrites the client ports of
//! a UDP SETUP to a socket nobody reads, so a UDP session is set up and
//! played and no datagram ever reaches the client.
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};

/// A TCP proxy that rewrites SETUP's `client_port=` to ports bound here
/// and never read: the server's UDP goes nowhere, as through a firewall.
pub fn udp_blackhole_proxy(upstream: u16) -> (u16, UdpSocket) {
    let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sink_port = sink.local_addr().unwrap().port();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming().map_while(Result::ok) {
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                continue;
            };
            let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let mut chunk = [0u8; 65536];
                while let Ok(n) = c_in.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    let text = String::from_utf8_lossy(&chunk[..n]).into_owned();
                    let out = match text.find("client_port=") {
                        Some(i) => {
                            let end = text[i..].find([';', '\r']).map_or(text.len(), |e| i + e);
                            format!(
                                "{}client_port={sink_port}-{}{}",
                                &text[..i],
                                sink_port + 1,
                                &text[end..]
                            )
                            .into_bytes()
                        }
                        None => chunk[..n].to_vec(),
                    };
                    if s_out.write_all(&out).is_err() {
                        break;
                    }
                }
                let _ = s_out.shutdown(std::net::Shutdown::Both);
            });
            let (mut s_in, mut c_out) = (server, client);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s_in, &mut c_out);
                let _ = c_out.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    (port, sink)
}
