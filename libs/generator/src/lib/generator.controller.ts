import { Injectable } from '@nestjs/common';
import type { AsyncService } from '@vela/grpc-server';
import {
  observationFromProto,
  parseSearchName,
  searchDefinitionFromProto,
  searchToProto,
  suggestionToProto,
  type CreateSearchRequest,
  type CreateSearchResponse,
  type GeneratorServiceServer,
  type GetSearchRequest,
  type GetSearchResponse,
  type ObserveRequest,
  type ObserveResponse,
  type SuggestRequest,
  type SuggestResponse,
} from '@vela/contracts';
import { SearchService } from './search.service';

/** gRPC face of the generator: converts, calls the search service, converts back. */
@Injectable()
export class GeneratorController implements AsyncService<GeneratorServiceServer> {
  constructor(private readonly searches: SearchService) {}

  async createSearch(request: CreateSearchRequest): Promise<CreateSearchResponse> {
    const definition = searchDefinitionFromProto(request.search, 'search');
    return { search: searchToProto(await this.searches.createSearch(definition, { searchId: request.searchId, requestId: request.requestId })) };
  }

  async getSearch(request: GetSearchRequest): Promise<GetSearchResponse> {
    return { search: searchToProto(await this.searches.getSearch(parseSearchName(request.name).search)) };
  }

  async suggest(request: SuggestRequest): Promise<SuggestResponse> {
    const result = await this.searches.suggest(parseSearchName(request.name).search, request.suggestionCount, request.requestId);
    return { suggestions: result.suggestions.map((s, i) => suggestionToProto(s, `suggestions[${i}]`)), isCompleted: result.isCompleted };
  }

  async observe(request: ObserveRequest): Promise<ObserveResponse> {
    const search = parseSearchName(request.name).search;
    // Every observation is converted (and so checked) before any is applied.
    const observations = request.observations.map((o, i) => observationFromProto(o, `observations[${i}]`));
    const result = await this.searches.observe(search, observations, request.thenSuggestCount);
    return { ...result, suggestions: result.suggestions.map((s, i) => suggestionToProto(s, `suggestions[${i}]`)) };
  }
}
