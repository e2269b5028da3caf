import Hummingbird

/// `GET /openapi.json` and `GET /docs`.
struct DocumentationRoutes: Sendable {
    func register(on router: Router<BasicRequestContext>) {
        router.get("/openapi.json") { _, _ in Response.json(OpenAPIDocument.json) }
        router.get("/docs") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: DocumentationPage.html)))
        }
    }
}
